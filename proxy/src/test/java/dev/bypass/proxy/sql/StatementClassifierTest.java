package dev.bypass.proxy.sql;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class StatementClassifierTest {
    static String classes(String sql) { return classes(StatementClassifier.classifyUncached(sql)); }

    /** The classes the guard sees: the text's, with EXECUTEs resolved in a fresh session. */
    static String classes(Classification c) {
        return StatementClass.of(c.mask() | new PreparedStatements().effects(c)).stream().map(StatementClass::label).collect(Collectors.joining(" "));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "SELECT 1|select",
            "select * from t where v = 'delete'|select",
            "/* c */ delete from t|delete",
            "/* /* nested */ select 1; */ delete from t|delete",
            "/* /* nested */ delete from t; */ select 1|select",
            "-- comment\\ndelete from t|delete",
            "-- comment\\rdelete from t|delete",
            "with a as (delete from t returning *) select * from a|select delete",
            "select 1; delete from t|select delete",
            "begin; insert into t values (1); commit|insert transaction",
            "select $$; delete from t; $$|select",
            "select $a$ $$ ; delete from t $a$|select",
            "select x$a$; delete from t; $a$|select delete",
            "select $1; delete from t|select delete",
            "select E'\\\\'; delete from t; --'|select delete",
            "select E'\\''; delete from t; --'|select delete",
            "select E'\\'; delete from t; --'|select",
            "select 'a\\'; delete from t; --'|select delete",
            "select \"delete\" from t|select",
            "select \"a\"\"; delete from t; --\" from t|select",
            "select B'0'; delete from t|select delete",
            "select U&'\\0027'; delete from t|select delete",
            "explain delete from t|utility",
            "explain analyze delete from t|delete utility",
            "explain (analyze, buffers) delete from t|delete utility",
            "explain (format json) delete from t|utility",
            "explain analyse verbose insert into t values (1)|insert utility",
            "prepare p as delete from t|delete",
            "prepare p (int) as update t set v = $1|update",
            "prepare transaction 'x'|transaction",
            "execute p|routine",
            "copy t from stdin|insert",
            "copy t to stdout|select",
            "copy (delete from t returning *) to stdout|select delete",
            "copy t from program 'rm -rf /'|insert routine",
            "copy t to '/tmp/out'|select routine",
            "select * into t2 from t|select ddl",
            "create table t2 as select * from t|ddl",
            "do $$ begin delete from t; end $$|routine",
            "call p()|routine",
            "select nextval('s')|select routine",
            "select pg_catalog.set_config('role', 'app', false)|select routine",
            "select \"nextval\"('s')|select routine",
            "select \"NEXTVAL\"('s')|select",
            "select * from t for update|select update",
            "select * from t for share|select update",
            "select * from t for key share|select update",
            "set role app|utility routine",
            "set session authorization app|utility routine",
            "SET \"ROLE\" TO app|utility routine",
            "set search_path = public|utility",
            "reset role|utility routine",
            "lock t|update",
            "lock t in access share mode|other",
            "truncate t|delete",
            "merge into t using s on t.id = s.id when matched then delete|insert update delete",
            "insert into t values (1) on conflict (id) do update set v = 'x'|insert update",
            "vacuum t|utility",
            "grant select on t to x|ddl",
            "load 'plugin'|routine",
            "discard all|utility",
            "table t|select",
            "values (1), (2)|select",
            "(select 1) union (select 2)|select",
            "declare c cursor for select * from t for update|select update",
            "show all|utility",
            "listen x|utility",
            "start transaction read write|transaction",
            "frobnicate|other",
            "  ;  ;  |``",
            "select 1 -- ; delete from t|select",
            "select '--'; delete from t|select delete",
            "select 1 /* unterminated ; delete from t|select",
            "select 1\u000bdelete|select delete",
            "select $tag_that_fails; delete from t|select delete",
    })
    void classifiesLikePostgreSQLReadsIt(String sql, String expected) {
        assertEquals(expected, classes(sql.replace("\\n", "\n").replace("\\r", "\r")), sql);
    }

    @Test void multiStatementCountsAndPreparedOps() {
        Classification c = StatementClassifier.classifyUncached("PREPARE p AS DELETE FROM t; EXECUTE p; DEALLOCATE p");
        assertEquals(3, c.statements());
        assertEquals(List.of(new Classification.Prepare("p", StatementClass.DELETE.bit()), new Classification.Execute("p"),
                new Classification.Deallocate("p")), c.ops());
        PreparedStatements session = new PreparedStatements();
        assertEquals(StatementClass.DELETE.bit(), session.effects(c), "EXECUTE reads the PREPARE before it in the same text");
        session.apply(StatementClassifier.classifyUncached("prepare \"Q\" as update t set v = 1"));
        assertEquals(StatementClass.UPDATE.bit(), session.effects(StatementClassifier.classifyUncached("execute \"Q\"")));
        assertEquals(StatementClass.ROUTINE.bit(), session.effects(StatementClassifier.classifyUncached("execute q")), "names are case-folded unless quoted");
        assertEquals(StatementClass.UPDATE.bit(), session.effects(StatementClassifier.classifyUncached("explain analyze execute \"Q\"")));
        assertEquals(0, session.effects(StatementClassifier.classifyUncached("explain execute \"Q\"")), "plain EXPLAIN runs nothing");
        session.apply(StatementClassifier.classifyUncached("discard all"));
        assertEquals(StatementClass.ROUTINE.bit(), session.effects(StatementClassifier.classifyUncached("execute \"Q\"")));
    }

    @Test void standardConformingStringsOffIsReadToo() {
        // with standard_conforming_strings = off the backslash escapes the quote and the DELETE is inside the string;
        // with it on, the DELETE runs: both readings count
        assertEquals("select delete", classes("select 'a\\'; delete from t; --'"));
        // in SJIS-like client encodings a byte 0x5C may end a character: E'...\' may close where it seems escaped
        byte[] sjis = "select E'\u0095\\'; delete from t; --'".getBytes(StandardCharsets.ISO_8859_1);
        assertEquals("select", classes(new StatementClassifier().classify(sjis, sjis.length, false)));
        assertEquals("select delete", classes(new StatementClassifier().classify(sjis, sjis.length, true)));
    }

    @Test void aLongDollarTagIsUnknowable() {
        String tag = "t".repeat(SqlLexer.MAX_TAG + 1);
        assertEquals("select routine", classes("select $" + tag + "$ x $" + tag + "$; delete from t"));
    }

    @Test void cachedResultsAreThoseOfTheSameText() {
        StatementClassifier cached = new StatementClassifier();
        byte[] a = "select 1".getBytes(StandardCharsets.UTF_8), b = "delete from t".getBytes(StandardCharsets.UTF_8);
        cached.classify(a, a.length, false); // seen once: remembered, not cached yet
        Classification second = cached.classify(a.clone(), a.length, false);
        assertSame(second, cached.classify(a.clone(), a.length, false), "cached from its second time on");
        assertEquals("select", classes(second));
        assertEquals("delete", classes(cached.classify(b, b.length, false)));
        assertEquals("delete", classes(cached.classify(b, b.length, false)));
    }

    /** Any split of the text gives the classification of the whole: seeded texts of tricky fragments. */
    @Test void piecesGiveTheSameAnswerAsTheWhole() {
        String[] parts = {"select ", "delete ", "from t", ";", " ", "\n", "--", "/*", "*/", "'", "''", "E'", "\\", "$$", "$a$", "$a",
                "\"", "\"\"", "(", ")", "x", "1", "e+", "U&'", "B'", "into ", "for share ", "nextval(", "execute p", "explain ", "analyze "};
        long seed = 20261207;
        Random rnd = new Random(seed);
        for (int n = 0; n < 20_000; n++) {
            StringBuilder sb = new StringBuilder();
            for (int k = rnd.nextInt(14); k >= 0; k--) sb.append(parts[rnd.nextInt(parts.length)]);
            byte[] text = sb.toString().getBytes(StandardCharsets.UTF_8);
            Classification whole = StatementClassifier.classifyUncached(text, text.length, true);
            StatementClassifier.Streaming s = StatementClassifier.streaming(true);
            int at = 0;
            while (at < text.length) {
                int len = Math.min(text.length - at, 1 + rnd.nextInt(4));
                s.feed(text, at, len);
                at += len;
            }
            Classification pieces = s.finish();
            // the streamed reading always reads every way; the whole-text reading only when a backslash could matter
            assertEquals(whole.mask() | 0, pieces.mask() | whole.mask(), "seed " + seed + " text [" + sb + "]");
            assertEquals(whole.mask(), pieces.mask() & whole.mask(), "seed " + seed + " text [" + sb + "]");
            if (!sb.toString().contains("\\")) assertEquals(whole, pieces, "seed " + seed + " text [" + sb + "]");
        }
    }
}
