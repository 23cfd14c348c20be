package dev.bypass.proxy;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/** Self-signed certificates made with openssl (Debian package openssl) for the TLS tests. */
final class TestCertificates {
    private TestCertificates() {}

    static final Path OPENSSL = Path.of("/usr/bin/openssl");

    /** Skips the calling test class when openssl is missing. */
    static void assumeOpenssl() {
        Assumptions.assumeTrue(Files.isExecutable(OPENSSL), "openssl is needed to make a certificate (Debian package openssl)");
    }

    /** Writes NAME.pem (certificate) and NAME.key (unencrypted PKCS#8 key) for common name {@code cn} into {@code dir}. */
    static void selfSigned(Path dir, String name, String cn) throws Exception {
        Process p = new ProcessBuilder(OPENSSL.toString(), "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                "-keyout", dir.resolve(name + ".key").toString(), "-out", dir.resolve(name + ".pem").toString(),
                "-days", "2", "-subj", "/CN=" + cn).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, out);
    }
}
