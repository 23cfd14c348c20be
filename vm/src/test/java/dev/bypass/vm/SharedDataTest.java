package dev.bypass.vm;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SharedDataTest {
    @Test
    void aMissingFolderIsNamedWithWhatBelongsInIt(@TempDir Path empty) throws Exception {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> SharedData.require(empty, SharedData.CONFORMANCE));
        assertTrue(e.getMessage().startsWith("test data missing: no folder " + empty.resolve("conformance/tests") + "; it should hold the .data files"
                + " of the public eBPF conformance suite"), e.getMessage());
        e = assertThrows(IllegalStateException.class, () -> SharedData.require(empty, SharedData.KERNELS));
        assertTrue(e.getMessage().contains(empty.resolve("kernels") + "; it should hold the six benchmark kernels"), e.getMessage());
        Files.createDirectories(empty.resolve("kernels"));
        assertEquals(empty.resolve("kernels"), SharedData.require(empty, SharedData.KERNELS));
    }
}
