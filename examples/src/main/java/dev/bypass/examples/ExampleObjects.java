package dev.bypass.examples;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the examples find their clang-built objects: the directory named by the system property
 * {@value #DIRECTORY_PROPERTY} when it is set (the tests point it at objects clang just built from the C sources),
 * else the objects committed next to the sources, from the class path.
 */
public final class ExampleObjects {
    /** System property naming a directory of objects to use instead of the committed ones. */
    public static final String DIRECTORY_PROPERTY = "bypass.examples.objects";

    private ExampleObjects() {}

    /** The bytes of the object {@code name} (a file name such as {@code letter_count.o}). */
    public static byte[] read(String name) {
        String dir = System.getProperty(DIRECTORY_PROPERTY);
        try {
            if (dir != null) return Files.readAllBytes(Path.of(dir, name));
            try (InputStream in = ExampleObjects.class.getResourceAsStream(name)) {
                if (in == null) throw new IllegalStateException("no object " + name + " on the class path next to " + ExampleObjects.class.getName());
                return in.readAllBytes();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the object " + name + ": " + e.getMessage(), e);
        }
    }
}
