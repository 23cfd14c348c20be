package dev.bypass.programs;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SqlTextTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "SELECT * FROM t WHERE id = 42|SELECT * FROM t WHERE id = ?",
            "select  *\\n from t where id=$1|select * from t where id=?",
            "select abalance from pgbench_accounts where aid = $1;|select abalance from pgbench_accounts where aid = ?",
            "INSERT INTO h VALUES ('it''s', 3.5e3, -7, x-5)|INSERT INTO h VALUES (?, ?, ?, x-?)",
            "SELECT abc1, x2y FROM t2|SELECT abc1, x2y FROM t2",
            "SELECT 1 -- comment\\n, 2|SELECT ? , ?",
            "SELECT /* hint */ E'x\\y' FROM t|SELECT ? FROM t",
            "SELECT '--not a comment' FROM t|SELECT ? FROM t",
            "UPDATE a SET v = v + .5|UPDATE a SET v = v + ?",
            "  UPDATE  t2 SET c1 = c1 + 1  |UPDATE t2 SET c1 = c1 + ?",
            "SELECT 'unterminated 5|SELECT 'unterminated ?",
            "SELECT naïve1, 2 FROM t|SELECT naïve1, ? FROM t",
    })
    void normalises(String sql, String expected) {
        assertEquals(expected, SqlText.normalize(sql.replace("\\n", "\n")));
    }

    @Test void fingerprintIgnoresLiteralsSpacingAndCommentsOnly() {
        assertEquals(SqlText.fingerprint("SELECT v FROM t WHERE k = 1"), SqlText.fingerprint("SELECT v  FROM t WHERE k = $1 -- by key"));
        assertNotEquals(SqlText.fingerprint("SELECT v FROM t WHERE k = 1"), SqlText.fingerprint("SELECT w FROM t WHERE k = 1"));
    }

    @Test void inPlaceOnATruncatedBufferStaysInside() {
        byte[] b = "SELECT 1, 'unterminated".getBytes();
        long h = SqlText.normalize(b, 13);
        assertEquals("SELECT ?, 'un", SqlText.terminated(b));
        assertEquals(0, b[13]);
        assertNotEquals(0, h);
    }

    /** A regular-expression statement of the rules, for text without comments or E'' strings. */
    static String reference(String sql) {
        String s = Pattern.compile("'(?:[^']|'')*'").matcher(sql).replaceAll("?");
        s = Pattern.compile("\\$\\d+").matcher(s).replaceAll("?");
        s = Pattern.compile("(?<![\\w$])-?(?:\\d+(?:\\.\\d+)?|\\.\\d+)(?:[eE][+-]?\\d+)?").matcher(s).replaceAll("?");
        s = Pattern.compile("\\s+").matcher(s).replaceAll(" ").strip();
        if (s.endsWith(";")) s = s.substring(0, s.length() - 1).strip();
        return s;
    }

    @Test void agreesWithTheRegularExpressionsOnGeneratedText() {
        String[] parts = {"SELECT", " ", "  ", "\t", "x", "a_1", "$", "$3", "-", "7", "42", "3.5", "1e9", "2E-3", ".", ",", "(", ")",
                "'s'", "'it''s'", "=", ";", "FROM t", "\n", "_"};
        Random rnd = new Random(20261201);
        for (int i = 0; i < 50_000; i++) {
            StringBuilder sb = new StringBuilder();
            for (int k = rnd.nextInt(12); k >= 0; k--) {
                String part = parts[rnd.nextInt(parts.length)];
                if (part.equals("-") && sb.length() > 0 && sb.charAt(sb.length() - 1) == '-') continue; // "--" opens a comment
                sb.append(part);
            }
            String sql = sb.toString();
            assertEquals(reference(sql), SqlText.normalize(sql), "input: [" + sql + "]");
        }
    }
}
