package dev.bypass.proxy.hooks;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Classes of CommandComplete tags as the result hook sees them, and name hashes. */
class QueryTextTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "SELECT 5|select",
            "MERGE 2|update",
            "CALL|routine",
            "DO|routine",
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
    void classifiesTags(String text, String expected) {
        assertEquals(expected, QueryText.tagClass(text).label());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "LISTEN x|true", "  listen\tx|true", "listen|true", "Listen;|true",
            "listener|false", "listen_x|false", "UNLISTEN x|false", "'' |false", "listen1|false", "LISTENé|false",
            "'\t\u000b\fLISTEN x'|true", "LISTEN(|true", "LISTE|false", "'\u2003LISTEN x'|false"})
    void recognisesFirstKeyword(String text, boolean expected) {
        byte[] b = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(expected, QueryText.startsWithKeyword(b, b.length, "LISTEN"));
        // a longer buffer holding the text at its start: only the first length bytes count
        byte[] longer = java.util.Arrays.copyOf(b, b.length + 3);
        longer[b.length] = 'x';
        assertEquals(expected, QueryText.startsWithKeyword(longer, b.length, "LISTEN"));
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
