package dev.bypass.observability;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class SqlTextTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "SELECT * FROM t WHERE id = 42|SELECT * FROM t WHERE id = ?",
            "select  *\\n from t where id=$1|select * from t where id=?",
            "INSERT INTO h VALUES ('it''s', 3.5e3, -7)|INSERT INTO h VALUES (?, ?, -?)",
            "SELECT abc1, x2y FROM t2|SELECT abc1, x2y FROM t2",
            "SELECT 1 -- comment\\n, 2|SELECT ? , ?",
            "SELECT /* hint */ E'x\\y' FROM t|SELECT ? FROM t",
            "UPDATE a SET v = v + .5|UPDATE a SET v = v + ?",
    })
    void normalises(String sql, String expected) {
        assertEquals(expected, SqlText.normalize(sql.replace("\\n", "\n")));
    }

    @Test void fingerprintIgnoresLiteralsAndSpacingOnly() {
        assertEquals(SqlText.fingerprint("SELECT v FROM t WHERE k = 1"), SqlText.fingerprint("SELECT v  FROM t WHERE k = $1"));
        assertNotEquals(SqlText.fingerprint("SELECT v FROM t WHERE k = 1"), SqlText.fingerprint("SELECT w FROM t WHERE k = 1"));
    }

    @Test void inPlaceOnATruncatedBufferStaysInside() {
        byte[] b = "SELECT 'unterminated".getBytes();
        long h = SqlText.normalize(b, 10);
        assertEquals("SELECT ?", new String(b, 0, 8));
        assertEquals(0, b[8]);
        assertNotEquals(0, h);
    }
}
