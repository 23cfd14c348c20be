package dev.bypass.examples;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunProgramTest {
    @TempDir Path dir;

    @Test void countsTheLettersOfTheTextIntoItsMap() throws Exception {
        Examples.build(dir, "letter_count");
        String out = Examples.run(dir, RunProgram::main, "Hello, wonderful", "world!");
        assertTrue(out.contains("verified by"), out);
        assertTrue(out.contains("bytes read: 23, letters: 19\n"), out);
        // h e l l o w o n d e r f u l w o r l d: l 4, o 3, d e r w 2, f h n u 1, in that order
        assertTrue(out.endsWith("l: 4\no: 3\nd: 2\ne: 2\nr: 2\nw: 2\nf: 1\nh: 1\nn: 1\nu: 1\n"), out);
    }
}
