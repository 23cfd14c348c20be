package dev.bypass.proxy.hooks;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class QueryTextTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "SELECT * FROM t WHERE id = 42|SELECT * FROM t WHERE id = ?",
            "select abalance from pgbench_accounts where aid = $1;|select abalance from pgbench_accounts where aid = ?",
            "INSERT INTO h VALUES ('it''s', -3.5e2, x-5)|INSERT INTO h VALUES (?, ?, x-?)",
            "  UPDATE  t2 SET c1 = c1 + 1  |UPDATE t2 SET c1 = c1 + ?",
            "SELECT 'unterminated 5|SELECT 'unterminated ?",
    })
    void normalises(String sql, String expected) {
        assertEquals(expected, QueryText.normalize(sql));
    }

    // The regular-expression definition the one-pass scanner replaces, kept as the reference.
    static String reference(String sql) {
        String s = Pattern.compile("'(?:[^']|'')*'").matcher(sql).replaceAll("?");
        s = Pattern.compile("\\$\\d+").matcher(s).replaceAll("?");
        s = Pattern.compile("(?<![\\w$])-?\\d+(?:\\.\\d+)?(?:[eE][+-]?\\d+)?").matcher(s).replaceAll("?");
        s = Pattern.compile("\\s+").matcher(s).replaceAll(" ").strip();
        if (s.endsWith(";")) s = s.substring(0, s.length() - 1).strip();
        return s;
    }

    @Test void agreesWithTheRegularExpressionsOnGeneratedText() {
        String[] parts = {"SELECT", " ", "  ", "\t", "x", "a_1", "$", "$3", "-", "7", "42", "3.5", "1e9", "2E-3", ".", ",", "(", ")",
                "'s'", "'it''s'", "=", ";", "FROM t", "\n", "_", "e"};
        Random rnd = new Random(20261201);
        for (int i = 0; i < 50_000; i++) {
            StringBuilder sb = new StringBuilder();
            for (int k = rnd.nextInt(12); k >= 0; k--) sb.append(parts[rnd.nextInt(parts.length)]);
            String sql = sb.toString();
            assertEquals(reference(sql), QueryText.normalize(sql), "input: [" + sql + "]");
        }
    }
}
