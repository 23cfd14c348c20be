package dev.bypass.proxy.hooks;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Statement classes, of statements as the query hook sees them and of CommandComplete tags as the result hook does. */
class QueryTextTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "  select abalance from a where aid = $1|select",
            "WITH x AS (SELECT 1) SELECT * FROM x|select",
            "INSERT INTO t VALUES (1)|insert",
            "update t set v = 1|update",
            "TRUNCATE t|delete",
            "CREATE TABLE t (a int)|ddl",
            "BEGIN|transaction",
            "SET search_path = x|utility",
            "DO $$ BEGIN END $$|other",
            "SELECT 5|select",
            "INSERT 0 1|insert",
            "UPDATE 3|update",
            "DELETE 0|delete",
            "COPY 12|insert",
            "CREATE TABLE|ddl",
            "COMMIT|transaction",
            "SET|utility",
            "\n\tSeLeCt 1|select",
            "selected|other",
            "''|other",
            "'   '|other",
    })
    void classifiesStatementsAndTags(String text, String expected) {
        assertEquals(expected, QueryText.className(QueryText.statementClass(text)));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "LISTEN x|true", "  listen\tx|true", "listen|true", "Listen;|true",
            "listener|false", "listen_x|false", "UNLISTEN x|false", "'' |false"})
    void recognisesFirstKeyword(String text, boolean expected) {
        assertEquals(expected, QueryText.startsWithKeyword(text, "LISTEN"));
    }

    @org.junit.jupiter.api.Test
    void hashesUtf8BytesOfAnyText() {
        for (String s : new String[] {"", "app", "rôle", "用户", "a\u0000b"}) {
            long h = 0xcbf29ce484222325L;
            for (byte b : s.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
                h ^= b & 0xff;
                h *= 0x100000001b3L;
            }
            assertEquals(h, QueryText.fnv1a(s), s);
        }
        assertNotEquals(QueryText.fnv1a("app"), QueryText.fnv1a("apq"));
    }
}
