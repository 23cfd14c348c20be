package dev.bypass.proxy.server;

import dev.bypass.proxy.hooks.QueryRequest;
import dev.bypass.proxy.pool.PoolStats;
import dev.bypass.proxy.pool.ServerConnection;
import dev.bypass.proxy.sql.PreparedStatements;
import dev.bypass.proxy.sql.StatementClass;
import dev.bypass.proxy.wire.Bind;
import dev.bypass.proxy.wire.Close;
import dev.bypass.proxy.wire.Completion;
import dev.bypass.proxy.wire.Describe;
import dev.bypass.proxy.wire.Parse;
import io.netty.channel.Channel;
import java.util.HashMap;
import java.util.Map;

/**
 * One client's prepared statements. In transaction and statement pooling, named protocol-level statements are the
 * client's own: each is recorded here by name and definition, prepared under a server-unique name on whichever server
 * the client holds (once per server, at most max_prepared_statements per server, least recently used closed first),
 * and the client's Parse, Bind, Describe and Close are renamed to match. It also keeps what each statement was
 * classified as (the route hook reads it at Bind), the texts the query hook asks for at Bind, and the SQL-level
 * statements (PREPARE name AS ...). Runs on the session's event loop.
 */
final class StatementRegistry {
    /** Beyond this many named statements, no more classes or texts are kept for the hooks. */
    private static final int CLASSIFIED_LIMIT = 10_000;

    private final ReplyQueue replies;
    private final Channel client;
    /** Named prepared statements of this client (transaction mode): name to definition (unnamed). */
    private final Map<String, Parse> definitions = new HashMap<>();
    /** What each named protocol-level statement of this client was parsed as. */
    private final Map<String, StatementClass> classes = new HashMap<>();
    /** Texts of named prepared statements (their first bytes), for the query hook at Bind when it asks for them. */
    private final Map<String, QueryRequest> boundTexts = new HashMap<>();
    /** SQL-level prepared statements of this client (PREPARE name AS ...) and what each does. */
    private final PreparedStatements sqlPrepared = new PreparedStatements();
    /** SHOW CLIENTS' prepared_statements, readable from the console's thread. */
    private volatile int count;

    StatementRegistry(ReplyQueue replies, Channel client) {
        this.replies = replies;
        this.client = client;
    }

    PreparedStatements sqlPrepared() { return sqlPrepared; }

    int count() { return count; }

    /** A Parse of {@code name} was classified as {@code cls}; {@code text} is kept when the query hook judges Binds. */
    void classified(String name, StatementClass cls, QueryRequest text) {
        if (name.isEmpty() || classes.size() >= CLASSIFIED_LIMIT) return;
        classes.put(name, cls);
        if (text != null) boundTexts.put(name, text);
    }

    StatementClass classOf(String name) { return classes.get(name); }

    /** The text the query hook judges at a Bind of {@code statement}, or null. */
    QueryRequest boundText(String statement) { return boundTexts.isEmpty() ? null : boundTexts.get(statement); }

    boolean judgesBinds() { return !boundTexts.isEmpty(); }

    boolean contains(String name) { return definitions.containsKey(name); }

    /** The definition of the client's statement {@code name} (when statements are renamed), or null. */
    Parse definition(String name) { return name.isEmpty() ? null : definitions.get(name); }

    void define(String name, Parse definition) {
        definitions.put(name, definition);
        count = definitions.size();
    }

    void remove(String name) {
        definitions.remove(name);
        count = definitions.size();
    }

    /** DISCARD ALL, DEALLOCATE ALL: the client's statements and the server's copies are gone. */
    void dropAll(ServerConnection s) {
        definitions.clear();
        count = 0;
        s.forgetAllPrepared();
    }

    /**
     * A client's Parse of a named statement, renamed on server {@code s}: answered at once when the server has the
     * definition, else prepared there under the server's name.
     */
    void parse(ServerConnection s, Parse p, PoolStats stats, int max) {
        Parse definition = p.named("");
        define(p.statement(), definition);
        String name = s.preparedName(definition);
        if (name != null) {
            replies.answer(new Expected(Expected.Kind.SYNTHETIC, Completion.PARSE.encode(client.alloc()), p.statement(), null, null));
            return;
        }
        name = s.prepare(definition);
        s.write(p.named(name).encode(s.channel().alloc()));
        stats.serverParse();
        replies.expect(new Expected(Expected.Kind.PARSE, null, p.statement(), definition, name));
        evictBeyond(s, max);
    }

    /** A Bind of the client's statement {@code definition}, renamed on server {@code s}. */
    void bind(ServerConnection s, Bind b, Parse definition, PoolStats stats, int max) {
        s.write(b.encodeFor(s.channel().alloc(), ensurePrepared(s, definition, stats, max)));
        replies.expect(Expected.of(Expected.Kind.BIND));
    }

    /** A Describe of the client's statement {@code definition}, renamed on server {@code s}. */
    void describe(ServerConnection s, Parse definition, PoolStats stats, int max) {
        s.write(new Describe(Describe.STATEMENT, ensurePrepared(s, definition, stats, max)).encode(s.channel().alloc()));
        replies.expect(Expected.of(Expected.Kind.DESCRIBE));
    }

    /** A Close of the client's statement: answered at once, the server copy stays for the next client preparing it. */
    void close(Close c) {
        remove(c.name());
        replies.answer(Completion.CLOSE.encode(client.alloc()));
    }

    /** The server's name for {@code definition} on {@code s}, prepared there first (its reply dropped) if needed. */
    String ensurePrepared(ServerConnection s, Parse definition, PoolStats stats, int max) {
        String name = s.preparedName(definition);
        if (name != null) return name;
        name = s.prepare(definition);
        s.write(definition.named(name).encode(s.channel().alloc()));
        stats.serverParse();
        replies.expect(new Expected(Expected.Kind.INJECTED_PARSE, null, null, definition, name));
        evictBeyond(s, max);
        return name;
    }

    /** Keeps at most {@code max} statements on the server: the least recently used one is closed. */
    private void evictBeyond(ServerConnection s, int max) {
        String victim = max > 0 ? s.evictBeyond(max) : null;
        if (victim == null) return;
        s.write(new Close(Close.STATEMENT, victim).encode(s.channel().alloc()));
        replies.expect(Expected.of(Expected.Kind.INJECTED_CLOSE));
    }
}
