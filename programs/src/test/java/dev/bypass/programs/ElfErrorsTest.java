package dev.bypass.programs;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.vm.elf.ElfException;
import dev.bypass.vm.elf.ElfLoader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Malformed and unsupported objects fail with one message naming the section and the offset. */
class ElfErrorsTest {
    static byte[] resource(String name) throws Exception {
        try (var in = ElfErrorsTest.class.getResourceAsStream("/bpf/" + name)) {
            return in.readAllBytes();
        }
    }

    static ElfException fails(byte[] b) { return assertThrows(ElfException.class, () -> ElfLoader.load(b)); }

    @Test void truncatedAndForeignFiles() {
        byte[] ok = BundledPrograms.object(BundledPrograms.COUNTER);
        assertEquals("ELF header at offset 0x0: file is 40 bytes, too short for an ELF header", fails(Arrays.copyOf(ok, 40)).getMessage());
        ElfException e = fails(Arrays.copyOf(ok, ok.length - 100));
        assertTrue(e.getMessage().contains("extend past the end of the file") || e.getMessage().contains("extends past the end"), e.getMessage());
        byte[] x86 = ok.clone();
        x86[18] = 62;
        assertEquals("ELF header at offset 0x12: machine 62 is not BPF (247)", fails(x86).getMessage());
        byte[] text = "not an object at all, just some text to load".getBytes();
        assertEquals("ELF header at offset 0x0: not an ELF file (bad magic)", fails(text).getMessage());
    }

    @Test void unknownRelocationTypeNamesTheRelocationSection() {
        byte[] b = BundledPrograms.object(BundledPrograms.COUNTER);
        ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        long shoff = buf.getLong(0x28);
        int shnum = buf.getShort(0x3c), shstrndx = buf.getShort(0x3e);
        int namesOff = (int) buf.getLong((int) shoff + shstrndx * 64 + 24);
        for (int i = 0; i < shnum; i++) {
            int h = (int) shoff + i * 64;
            int nameAt = namesOff + buf.getInt(h);
            String name = new String(b, nameAt, ".relbypass/counter".length());
            if (buf.getInt(h + 4) == 9 && name.equals(".relbypass/counter")) {
                int rel = (int) buf.getLong(h + 24);
                buf.putInt(rel + 8, 7); // R_BPF type 7 does not exist
                ElfException e = fails(b);
                assertTrue(e.getMessage().startsWith("section .relbypass/counter at offset 0x0: relocation type 7 is not supported"), e.getMessage());
                assertEquals(".relbypass/counter", e.section());
                return;
            }
        }
        fail("no .relbypass/counter section");
    }

    @Test void coreRelocationsAndExternsAreRefused() throws Exception {
        ElfException core = fails(resource("core_reloc.o"));
        assertTrue(core.getMessage().startsWith("section .BTF.ext at offset 0x") && core.getMessage().endsWith("CO-RE relocations are not supported"), core.getMessage());
        ElfException ext = fails(resource("extern_var.o"));
        assertTrue(ext.getMessage().startsWith("section raw/ext at offset 0x0: reference to undefined (extern) symbol LINUX_KERNEL_VERSION"), ext.getMessage());
    }
}
