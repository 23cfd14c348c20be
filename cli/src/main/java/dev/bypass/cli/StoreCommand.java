package dev.bypass.cli;

import dev.bypass.replication.ReplicaOptions;
import dev.bypass.programs.LoadedObject;
import dev.bypass.programs.ProgramRuntime;
import dev.bypass.vm.verification.ProgramVerifier;
import dev.bypass.vm.verification.VerificationException;
import dev.bypass.programs.Verifiers;
import dev.bypass.replication.LeaderRouter;
import dev.bypass.replication.ReplicatedStore;
import dev.bypass.txnstore.Store;
import dev.bypass.txnstore.StoreException;
import dev.bypass.txnstore.StoreOptions;
import dev.bypass.txnstore.SyncPolicy;
import dev.bypass.txnstore.programs.StoredProcedures;
import dev.bypass.txnstore.resp.RespAccess;
import dev.bypass.txnstore.resp.RespConfig;
import dev.bypass.txnstore.resp.RespServer;
import io.netty.handler.ssl.ClientAuth;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.*;

@Command(name = "store", description = "The embedded transactional store.", subcommands = {StoreCommand.Serve.class, StoreCommand.Members.class})
final class StoreCommand extends CommandGroup {
    @Command(name = "serve", description = {"Serve a store over the Redis protocol (on 127.0.0.1 unless --bind says otherwise).",
            "Prints 'ready redis://HOST:PORT' (rediss:// with TLS) once it accepts connections, then where its data is kept."})
    static final class Serve implements Callable<Integer> {
        private static final Logger log = LoggerFactory.getLogger("dev.bypass.cli.store");

        @Option(names = "--port", description = "TCP port (default: ${DEFAULT-VALUE}; 0 picks a free one)", defaultValue = "6380") int port;
        @Option(names = "--dir", description = "data directory, created when absent (default: ${DEFAULT-VALUE} in the working directory)", defaultValue = "bypass-data") Path dir;
        @Option(names = "--in-memory", description = "keep nothing on disk") boolean inMemory;
        @Option(names = "--sync", description = "log sync policy: always, interval or never (default: ${DEFAULT-VALUE})", defaultValue = "interval") String sync;
        @Option(names = "--checkpoint-log-bytes", description = "checkpoint after this many log bytes, 0 = only SAVE/BGSAVE (default: ${DEFAULT-VALUE})",
                defaultValue = "67108864") long checkpointBytes;
        @Option(names = "--program", paramLabel = "FILE.o", description = "load a BPF object whose programs BPF.RUN can call") List<Path> programs;
        @Option(names = "--threads", description = "I/O threads (default: half the cores, at least 1)") Integer threads;
        @Option(names = "--unverified", description = "load programs without the verifier (testing only)") boolean unverified;
        @Option(names = "--maxmemory", description = "refuse writes with -OOM beyond this much data, e.g. 2gb (default: 60%% of the heap)") String maxmemory;
        @Option(names = "--maxclients", description = "connections beyond this are refused (default: ${DEFAULT-VALUE})", defaultValue = "10000") int maxclients;
        @Option(names = "--timeout", description = "close clients idle for this many seconds, 0 = never (default: ${DEFAULT-VALUE})", defaultValue = "0") int timeout;
        @Option(names = "--proto-max-bulk-len", description = "largest string a client may send (default: 512mb)") String protoMaxBulkLen;
        @Option(names = "--client-output-buffer-limit", paramLabel = "HARD SOFT SECONDS",
                description = "disconnect clients whose unread replies pass HARD, or SOFT for SECONDS (default: \"1gb 256mb 60\")") String outputLimit;
        @Option(names = "--bind", paramLabel = "ADDR", description = "address to listen on (default: ${DEFAULT-VALUE}, local clients only)",
                defaultValue = RespAccess.LOOPBACK) String bind;
        @Option(names = "--requirepass", paramLabel = "PASSWORD", description = "the default user's password (default: none, no AUTH needed)") String requirepass;
        @Option(names = "--protected-mode", paramLabel = "yes|no",
                description = "refuse clients from other hosts while the default user has no password (default: ${DEFAULT-VALUE})", defaultValue = "yes") String protectedMode;
        @Option(names = "--aclfile", paramLabel = "FILE", description = "users, a 'user NAME rules...' line each (ACL LOAD re-reads it, ACL SAVE writes it)") Path aclFile;
        @Option(names = "--user", paramLabel = "'NAME RULES...'", description = "a user and its ACL rules, e.g. --user 'admin on >secret ~* +@all'") List<String> users;
        @Option(names = "--tls-cert", paramLabel = "FILE", description = "PEM certificate chain: the port speaks TLS only") Path tlsCert;
        @Option(names = "--tls-key", paramLabel = "FILE", description = "PEM private key (PKCS#8) of --tls-cert") Path tlsKey;
        @Option(names = "--tls-ca-cert", paramLabel = "FILE", description = "PEM CA certificates client certificates must chain to") Path tlsCaCert;
        @Option(names = "--tls-auth-clients", paramLabel = "yes|no|optional",
                description = "with --tls-ca-cert: whether clients must present a certificate (default: ${DEFAULT-VALUE})", defaultValue = "yes") String tlsAuthClients;
        @Option(names = "--cluster", paramLabel = "N", description = "serve as replica N (1-based) of the replicated store whose consensus addresses --peers lists") Integer cluster;
        @Option(names = "--peers", paramLabel = "HOST:PORT,...", description = "consensus addresses of every replica, in order (with --cluster)") String peers;
        @Option(names = "--election-timeout", paramLabel = "MS", description = "with --cluster: ms without a leader before an election, randomized up to twice (default: ${DEFAULT-VALUE})",
                defaultValue = "500") long electionTimeout;
        @Option(names = "--join", description = "with --cluster: a new replica of a running group; it stays outside the group until `store members` adds it,"
                + " then catches up from the leader's newest checkpoint and the log") boolean join;
        @Spec Model.CommandSpec spec;

        @Override public Integer call() throws Exception {
            if (port < 0 || port > 65535) throw new CliException("--port must be between 0 and 65535", 2);
            if (threads != null && threads < 1) throw new CliException("--threads must be positive", 2);
            SyncPolicy policy;
            try {
                policy = SyncPolicy.valueOf(sync.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new CliException("--sync must be always, interval or never, not " + sync, 2);
            }
            RespConfig config;
            try {
                config = RespConfig.defaults().withMaxclients(maxclients).withTimeout(timeout);
                if (maxmemory != null) config = config.withMaxmemory(RespConfig.parseBytes(maxmemory));
                if (protoMaxBulkLen != null) config = config.withProtoMaxBulkLen(RespConfig.parseBytes(protoMaxBulkLen));
                if (outputLimit != null) {
                    String[] f = outputLimit.trim().split("\\s+");
                    if (f.length != 3) throw new IllegalArgumentException("--client-output-buffer-limit takes three values: hard soft seconds");
                    config = config.withOutputLimits(RespConfig.parseBytes(f[0]), RespConfig.parseBytes(f[1]), Integer.parseInt(f[2]));
                }
            } catch (IllegalArgumentException e) {
                throw new CliException(e.getMessage(), 2);
            }
            RespAccess access = access();
            StoreOptions options = inMemory ? StoreOptions.inMemory()
                    : new StoreOptions(dir.toAbsolutePath(), policy, 1000, Math.max(0, checkpointBytes));
            if (join && cluster == null) throw new CliException("--join needs --cluster and --peers", 2);
            ReplicatedStore replica = cluster == null ? null : openReplica();
            Store store;
            try {
                store = replica != null ? replica.store() : Store.open(options);
            } catch (StoreException e) {
                throw new CliException(e.getMessage(), 1);
            }
            ProgramRuntime runtime = null, fileRuntime = null;
            RespServer server = null;
            try {
                for (String w : store.recovery().warnings()) log.warn("recovery: {}", w);
                ProgramRuntime verified = null;
                try {
                    verified = ProgramRuntime.builder().verifier(Verifiers.standard()).helpers(StoredProcedures.helpers()).build();
                } catch (VerificationException e) {
                    log.warn("BPF.LOAD is not available: {}", e.getMessage());
                }
                runtime = verified;
                StoredProcedures procedures = verified == null ? new StoredProcedures(store) : new StoredProcedures(store, verified);
                for (String w : procedures.restoreWarnings()) log.warn("{}", w);
                if (programs != null && !programs.isEmpty()) {
                    ProgramRuntime files = verified;
                    if (unverified || verified == null) {
                        if (!unverified) throw new CliException("no verifier is available for --program; pass --unverified to load programs without verification", 2);
                        files = fileRuntime = ProgramRuntime.builder().verifier(ProgramVerifier.UNVERIFIED_FOR_TESTS_ONLY).helpers(StoredProcedures.helpers()).build();
                    }
                    for (Path p : programs) {
                        LoadedObject o = files.load(p.getFileName().toString(), Files.readAllBytes(p));
                        try {
                            procedures.add(o);
                        } catch (IllegalArgumentException e) {
                            throw new CliException("--program " + p + ": " + e.getMessage(), 2);
                        }
                    }
                }
                try {
                    RespConfig limits = config;
                    server = Listening.on(bind, port, "--port",
                            () -> RespServer.start(store, procedures, port, threads == null ? RespServer.defaultThreads() : threads, limits, access));
                } catch (CliException e) {
                    throw e;
                } catch (IllegalArgumentException e) {
                    throw new CliException(e.getMessage(), 2);
                } catch (Exception e) {
                    throw new CliException("cannot listen on " + bind + ":" + port + ": " + e.getMessage(), 1);
                }
                if (!InetAddress.getByName(bind).isLoopbackAddress() && requirepass == null && aclFile == null)
                    log.warn("listening on {} without a password: {}", bind, access.protectedMode() ? "protected mode refuses clients from other hosts until"
                            + " the default user has one (--requirepass)" : "anyone who can reach it may read, change and delete all data");
                if (replica != null) LeaderRouter.attach(server, replica);
                PrintWriter out = spec.commandLine().getOut();
                out.println("ready " + (access.tls() == null ? "redis" : "rediss") + "://" + hostForUrl(bind) + ":" + server.port());
                if (replica != null) out.println("replica " + replica.name() + " of " + String.join(",", replica.members().keySet()) + ", consensus on " + peers);
                out.println(inMemory ? "data: in memory only (nothing is kept on disk)"
                        : "data: " + options.directory() + (spec.commandLine().getParseResult().hasMatchedOption("--dir") ? ""
                                : " (the default, bypass-data in the working directory; --dir chooses another)"));
                out.flush();
                RespServer s = server;
                ProgramRuntime r = runtime, f = fileRuntime;
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    s.close();
                    if (replica != null) replica.close();
                    else store.close();
                    if (r != null) r.close();
                    if (f != null) f.close();
                }));
                server.awaitClose();
                return 0;
            } catch (RuntimeException e) {
                if (server != null) server.close();
                if (replica != null) replica.close();
                else store.close();
                if (runtime != null) runtime.close();
                if (fileRuntime != null) fileRuntime.close();
                throw e;
            }
        }

        /** The listening address, users and TLS from the options; a bad value is a one-line error. */
        private RespAccess access() {
            if (!protectedMode.equals("yes") && !protectedMode.equals("no")) throw new CliException("--protected-mode must be yes or no, not " + protectedMode, 2);
            if (requirepass != null && aclFile != null)
                throw new CliException("--requirepass and --aclfile do not go together: give the default user's password in the ACL file"
                        + " (user default on >PASSWORD ~* &* +@all)", 2);
            RespAccess access = RespAccess.defaults().withBind(bind).withProtectedMode(protectedMode.equals("yes")).withRequirepass(requirepass)
                    .withAclFile(aclFile == null ? null : aclFile.toAbsolutePath()).withUsers(users == null ? List.of() : users.stream().map(u -> "user " + u).toList());
            if (tlsCert == null && tlsKey == null) {
                if (tlsCaCert != null) throw new CliException("--tls-ca-cert needs --tls-cert and --tls-key", 2);
                return access;
            }
            if (tlsCert == null || tlsKey == null) throw new CliException("TLS needs both --tls-cert and --tls-key", 2);
            ClientAuth auth = switch (tlsAuthClients) {
                case "yes" -> ClientAuth.REQUIRE;
                case "optional" -> ClientAuth.OPTIONAL;
                case "no" -> ClientAuth.NONE;
                default -> throw new CliException("--tls-auth-clients must be yes, no or optional, not " + tlsAuthClients, 2);
            };
            try {
                return access.withTls(RespAccess.tlsContext(tlsCert, tlsKey, tlsCaCert, auth));
            } catch (IllegalArgumentException e) {
                throw new CliException(e.getMessage(), 2);
            }
        }

        private static String hostForUrl(String host) { return host.indexOf(':') >= 0 ? "[" + host + "]" : host; }
        /** Starts this replica of a replicated store: --cluster and --peers, its data under --dir. */
        private ReplicatedStore openReplica() {
            if (inMemory) throw new CliException("--cluster keeps its log and checkpoints on disk: drop --in-memory", 2);
            if (peers == null) throw new CliException("--cluster needs --peers host:port,... (every replica's consensus address, in order)", 2);
            if (electionTimeout < 50) throw new CliException("--election-timeout must be at least 50 ms", 2);
            ReplicaOptions o;
            try {
                o = ReplicaOptions.of(dir.toAbsolutePath(), ReplicaOptions.parsePeers(peers), cluster)
                        .withElectionTimeout(java.time.Duration.ofMillis(electionTimeout));
                if (join) o = o.asJoining();
            } catch (IllegalArgumentException e) {
                throw new CliException("--cluster/--peers: " + e.getMessage(), 2);
            }
            try {
                return ReplicatedStore.open(o);
            } catch (StoreException e) {
                throw new CliException(e.getMessage(), 1);
            }
        }
    }

    @Command(name = "members", description = {"Change the members of a replicated store online.",
            "Start a new replica first (serve --cluster N --join with its address at position N of --peers), then name the new set."})
    static final class Members implements Callable<Integer> {
        @Option(names = "--peers", required = true, paramLabel = "HOST:PORT,...", description = "consensus addresses of the replicas now running, in order (replica i is n<i>)") String peers;
        @Option(names = "--set", required = true, paramLabel = "N=HOST:PORT,...", description = "the new members, each as its number and consensus address") String set;
        @Spec Model.CommandSpec spec;

        @Override public Integer call() {
            java.util.Map<String, String> contact = new java.util.TreeMap<>(), target = new java.util.TreeMap<>();
            try {
                var list = ReplicaOptions.parsePeers(peers);
                for (int i = 0; i < list.size(); i++) contact.put(ReplicaOptions.peerName(i + 1), list.get(i).getHostString() + ":" + list.get(i).getPort());
                for (String m : set.split(",")) {
                    int eq = m.indexOf('=');
                    if (eq <= 0) throw new IllegalArgumentException("member '" + m.trim() + "' is not N=host:port");
                    int n = Integer.parseInt(m.substring(0, eq).trim());
                    if (n < 1) throw new IllegalArgumentException("member number " + n + " is not positive");
                    var a = ReplicaOptions.parsePeers(m.substring(eq + 1)).getFirst();
                    target.put(ReplicaOptions.peerName(n), a.getHostString() + ":" + a.getPort());
                }
            } catch (IllegalArgumentException e) {
                throw new CliException("--peers/--set: " + e.getMessage(), 2);
            }
            try {
                dev.bypass.replication.Membership.set(contact, target);
            } catch (StoreException e) {
                throw new CliException(e.getMessage(), 1);
            }
            spec.commandLine().getOut().println("members: " + target);
            return 0;
        }
    }
}
