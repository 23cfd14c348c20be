package dev.bypass.vm;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the shared test data (conformance suite, kernels) that sits beside the repository. */
public final class SharedData {
    private SharedData() {}

    public static Path dir() {
        String prop = System.getProperty("bypass.shared");
        if (prop != null && Files.isDirectory(Path.of(prop))) return Path.of(prop);
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path candidate = p.resolve("shared");
            if (Files.isDirectory(candidate.resolve("conformance"))) return candidate;
            candidate = p.resolveSibling("shared");
            if (Files.isDirectory(candidate.resolve("conformance"))) return candidate;
        }
        throw new IllegalStateException("cannot find the shared/ test data directory beside the repository");
    }

    public static Path conformance() { return dir().resolve("conformance/tests"); }

    public static Path kernels() { return dir().resolve("kernels"); }
}
