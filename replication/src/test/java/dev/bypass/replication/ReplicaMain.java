package dev.bypass.replication;

import dev.bypass.txnstore.resp.Procedures;
import dev.bypass.txnstore.resp.RespConfig;
import dev.bypass.txnstore.resp.RespServer;
import java.nio.file.Path;
import java.time.Duration;

/** A replica in a process of its own, for tests that kill it: {@code DIR PEERS SELF ELECTION_MS [join]}; prints {@code ready PORT}. */
public final class ReplicaMain {
    public static void main(String[] args) throws Exception {
        ReplicaOptions o = ReplicaOptions.of(Path.of(args[0]), ReplicaOptions.parsePeers(args[1]), Integer.parseInt(args[2]))
                .withElectionTimeout(Duration.ofMillis(Long.parseLong(args[3]))).withSnapshotEvery(500);
        if (args.length > 4 && args[4].equals("join")) o = o.asJoining();
        ReplicatedStore replica = ReplicatedStore.open(o);
        RespServer server = RespServer.start(replica.store(), Procedures.NONE, 0, 1, RespConfig.defaults());
        LeaderRouter.attach(server, replica);
        System.out.println("ready " + server.port());
        System.out.flush();
        server.awaitClose();
    }
}
