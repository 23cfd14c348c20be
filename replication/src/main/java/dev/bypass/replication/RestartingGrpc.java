package dev.bypass.replication;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.grpc.GrpcFactory;
import org.apache.ratis.grpc.server.GrpcLogAppender;
import org.apache.ratis.rpc.RpcFactory;
import org.apache.ratis.rpc.RpcType;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.leader.FollowerInfo;
import org.apache.ratis.server.leader.LeaderState;
import org.apache.ratis.server.leader.LogAppender;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ratis's gRPC transport, with a leader that replaces a log appender which fails instead of losing the follower.
 *
 * <p>In Ratis 3.2.2 an appender whose loop ends with an exception (one seen here: a request built while an
 * INCONSISTENCY reply moved the follower's next index, {@code Previous = (t:5, i:9150) but firstIndex = 9153}) asks
 * its leader to restart it, and the restart is refused because the failed appender no longer counts as running
 * (RATIS-2499, fixed after 3.2.2). The leader then sends that follower nothing until the next election: a restarted
 * replica stayed behind for good. Here the appender's loop hands such a failure to the leader's own restart (a new
 * appender for the same follower, as Ratis does for other failures), from another thread once the loop has ended.
 * Failures while the replica is no longer leading end the loop as before.
 *
 * <p>Named to Ratis by class ({@code raft.rpc.type}); a replica's clients keep the plain gRPC transport.
 */
public final class RestartingGrpc implements RpcType {
    private static final Logger log = LoggerFactory.getLogger(RestartingGrpc.class);

    /** Runs at the start of every appender's loop; tests make it throw to stand for a failure inside the loop. */
    static volatile Consumer<FollowerInfo> beforeLoop = f -> { };

    /** The class's name: what Ratis reads back from {@code raft.rpc.type} to create this type. */
    @Override public String name() { return RestartingGrpc.class.getName(); }

    @Override public RpcFactory newFactory(Parameters parameters) { return new Factory(parameters); }

    static final class Factory extends GrpcFactory {
        Factory(Parameters parameters) { super(parameters); }

        @Override
        public LogAppender newLogAppender(RaftServer.Division server, LeaderState state, FollowerInfo follower) {
            return new GrpcLogAppender(server, state, follower) {
                @Override
                public void run() throws IOException {
                    try {
                        beforeLoop.accept(getFollower());
                        super.run();
                    } catch (InterruptedIOException e) {
                        throw e;
                    } catch (IOException | RuntimeException e) {
                        if (!isRunning()) throw e;
                        log.warn("{} failed and is replaced: {}", this, e.toString());
                        LogAppender failed = this;
                        CompletableFuture.runAsync(() -> getLeaderState().restart(failed));
                    }
                }
            };
        }
    }
}
