package dev.bypass.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bypass proxy --config F --check} on configurations written the way operators write pgbouncer.ini: a
 * Kubernetes-style side-car, a packaged distribution's file, a managed-service style set-up with TLS both ways and
 * auth_query, and mistakes that must stop the start with the file, line, key and reason.
 */
class ProxyCommandTest {
    @TempDir Path dir;

    Path write(String name, String text) throws Exception {
        Path p = dir.resolve(name);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
        return p;
    }

    CliTest.Result check(Path ini) { return CliTest.run("", "proxy", "--config", ini.toString(), "--check"); }

    @Test
    void aKubernetesSideCarConfiguration() throws Exception {
        write("userlist.txt", """
                "app" "SCRAM-SHA-256$4096:c2FsdHNhbHRzYWx0c2FsdA==$4AFM4zxsUGlS4WnlTn5W3Cx3w8Ck3oDmlj0e9wQ0AvE=:ydZrbI8lmXYyb6R3aMv0hi1LFX8yL0xyL4jwVCcLmUI="
                "postgres" "md5d2e6e8f1ebd2e2b1bdd2b9b15e4b8bd7"
                "stats" "stats-password"
                """);
        write("databases.ini", """
                [databases]
                ; the application's database, by its service name
                app = host=postgres.default.svc.cluster.local port=5432 dbname=app pool_size=20
                * = host=postgres.default.svc.cluster.local port=5432
                """);
        Path ini = write("pgbouncer.ini", """
                %include databases.ini

                [pgbouncer]
                listen_addr = 0.0.0.0
                listen_port = 6432
                unix_socket_dir =
                auth_type = scram-sha-256
                auth_file = userlist.txt
                admin_users = postgres
                stats_users = stats
                pool_mode = transaction
                max_client_conn = 1000
                default_pool_size = 20
                min_pool_size = 0
                reserve_pool_size = 5
                reserve_pool_timeout = 3
                server_lifetime = 3600
                server_idle_timeout = 600
                server_reset_query = DISCARD ALL
                ignore_startup_parameters = extra_float_digits,options
                log_connections = 1
                log_disconnections = 1
                log_pooler_errors = 1
                stats_period = 60
                server_tls_sslmode = prefer
                tcp_keepalive = 1
                tcp_keepidle = 60
                max_prepared_statements = 200
                query_wait_timeout = 120
                client_idle_timeout = 0
                """);
        CliTest.Result r = check(ini);
        assertEquals(0, r.code(), r.err());
        assertEquals(ini + ": ok (listening on 0.0.0.0:6432; 2 database entries; transaction pooling; auth_type scram-sha-256; 3 users in auth_file)\n",
                r.out());
    }

    @Test
    void aPackagedDistributionsConfiguration() throws Exception {
        Path run = Files.createDirectories(dir.resolve("run/postgresql"));
        write("etc/userlist.txt", "\"postgres\" \"\"\n");
        Path ini = write("etc/pgbouncer.ini", """
                ;; database name = connect string
                [databases]
                postgres = host=localhost port=5432 dbname=postgres
                ; foodb over Unix socket
                foodb = host=%1$s dbname=bazdb

                [users]
                ; per-user overrides
                postgres = pool_mode=session max_user_connections=10

                [pgbouncer]
                logfile = %2$s/pgbouncer.log
                pidfile = %1$s/pgbouncer.pid
                listen_addr = localhost
                listen_port = 6432
                unix_socket_dir = %1$s
                auth_type = md5
                auth_file = userlist.txt
                ;admin_users = user2, someadmin, otheradmin
                admin_users = postgres
                ;stats_users = stats, root
                pool_mode = session
                server_reset_query = DISCARD ALL
                ;server_check_query = select 1
                server_check_delay = 30
                max_client_conn = 100
                default_pool_size = 20
                ;; Dangerous timeouts
                ;query_timeout = 0
                """.formatted(run, dir));
        CliTest.Result r = check(ini);
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("ok (listening on localhost:6432, " + run + "/.s.PGSQL.6432; 2 database entries; session pooling; auth_type md5"), r.out());
    }

    @Test
    void aManagedServiceStyleConfigurationWithTlsBothWaysAndAuthQuery() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/openssl")), "openssl is not installed");
        Process p = new ProcessBuilder("/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", dir.resolve("server.key").toString(),
                "-out", dir.resolve("server.crt").toString(), "-days", "2", "-subj", "/CN=pgbouncer.example.com").redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0);
        Files.copy(dir.resolve("server.crt"), dir.resolve("root.crt"));
        write("userlist.txt", "\"pgbouncer_auth\" \"md5b6a9a8b1c2d3e4f5a6b7c8d9e0f1a2b3\"\n");
        Path ini = write("pgbouncer.ini", """
                [databases]
                * = host=db-primary.internal port=5432 auth_user=pgbouncer_auth
                reporting = host=db-replica-1.internal,db-replica-2.internal port=5432 dbname=app load_balance_hosts=round-robin pool_size=10 pool_mode=session

                [users]
                batch = pool_mode=session query_timeout=3600
                web = max_user_connections=50 idle_transaction_timeout=30

                [pgbouncer]
                listen_addr = *
                listen_port = 6432
                unix_socket_dir =
                auth_type = scram-sha-256
                auth_file = userlist.txt
                auth_query = SELECT usename, passwd FROM pgbouncer.get_auth($1)
                auth_dbname = postgres
                client_tls_sslmode = require
                client_tls_key_file = server.key
                client_tls_cert_file = server.crt
                client_tls_protocols = secure
                server_tls_sslmode = verify-full
                server_tls_ca_file = root.crt
                pool_mode = transaction
                max_client_conn = 5000
                default_pool_size = 50
                max_db_connections = 400
                server_login_retry = 15
                server_connect_timeout = 15
                client_login_timeout = 60
                idle_transaction_timeout = 0
                query_wait_timeout = 120
                max_prepared_statements = 100
                track_extra_parameters = IntervalStyle, search_path
                application_name_add_host = 1
                stats_users = datadog
                """);
        CliTest.Result r = check(ini);
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("ok (listening on *:6432; 2 database entries; transaction pooling; auth_type scram-sha-256; 1 users in auth_file)"), r.out());
    }

    @Test
    void mistakesStopTheStartNamingFileLineKeyAndWhy() throws Exception {
        write("userlist.txt", "\"app\" \"pw\"\n");
        String base = "[databases]\n* = host=127.0.0.1\n[pgbouncer]\nunix_socket_dir =\nauth_file = userlist.txt\n";
        record Case(String line, String expected) {}
        for (Case c : new Case[] {
                new Case("max_client_con = 100", "pgbouncer.ini:6: max_client_con: unknown setting (did you mean max_client_conn?)"),
                new Case("auth_type = pam", "pgbouncer.ini:6: auth_type: auth_type = pam is not available"),
                new Case("pool_mode = sesion", "pgbouncer.ini:6: pool_mode: "),
                new Case("default_pool_size = twenty", "pgbouncer.ini:6: default_pool_size: "),
                new Case("syslog = 1", "pgbouncer.ini:6: syslog: syslog = 1 is not supported"),
                new Case("client_tls_sslmode = require", "pgbouncer.ini:6: client_tls_cert_file: needed for client_tls_sslmode = require")}) {
            Path ini = write("pgbouncer.ini", base + c.line() + "\n");
            CliTest.Result r = check(ini);
            assertEquals(2, r.code(), c.line() + ": " + r.out());
            assertTrue(r.err().contains(c.expected()), c.line() + " -> " + r.err());
        }
    }
}
