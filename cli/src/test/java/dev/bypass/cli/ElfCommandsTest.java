package dev.bypass.cli;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.programs.BundledPrograms;
import dev.bypass.vm.SharedData;
import dev.bypass.vm.asm.Assembler;
import dev.bypass.vm.asm.DataFile;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ElfCommandsTest {
    @TempDir Path dir;

    /**
     * A relocatable BPF object laid out as the conformance runner writes it: section names in .shstrtab (also
     * used by the symbol table), a global function {@code main} covering all of {@code .text}.
     */
    static byte[] runnerStyleElf(byte[] code) {
        byte[] names = "\0.shstrtab\0.symtab\0.text\0main\0".getBytes(StandardCharsets.US_ASCII);
        int shstrtabName = 1, symtabName = 11, textName = 19, mainName = 25;
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        int namesOff = 64;
        body.writeBytes(names);
        while ((64 + body.size()) % 8 != 0) body.write(0);
        int symOff = 64 + body.size();
        ByteBuffer sym = ByteBuffer.allocate(48).order(ByteOrder.LITTLE_ENDIAN);
        sym.position(24).putInt(mainName).put((byte) 0x12).put((byte) 0).putShort((short) 3).putLong(0).putLong(code.length);
        body.writeBytes(sym.array());
        int textOff = 64 + body.size();
        body.writeBytes(code);
        while ((64 + body.size()) % 8 != 0) body.write(0);
        int shoff = 64 + body.size();
        ByteBuffer f = ByteBuffer.allocate(shoff + 4 * 64).order(ByteOrder.LITTLE_ENDIAN);
        f.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0});
        f.position(16).putShort((short) 1).putShort((short) 247).putInt(1);
        f.position(0x28).putLong(shoff);
        f.position(0x34).putShort((short) 64).putShort((short) 0).putShort((short) 0).putShort((short) 64).putShort((short) 4).putShort((short) 1);
        f.position(64).put(body.toByteArray());
        section(f, shoff + 64, shstrtabName, 3, 0, namesOff, names.length, 0, 0, 0);
        section(f, shoff + 128, symtabName, 2, 0, symOff, 48, 1, 1, 24);
        section(f, shoff + 192, textName, 1, 6, textOff, code.length, 0, 0, 0);
        return f.array();
    }

    static void section(ByteBuffer f, int at, int name, int type, long flags, long off, long size, int link, int info, long entsize) {
        f.position(at).putInt(name).putInt(type).putLong(flags).putLong(0).putLong(off).putLong(size).putInt(link).putInt(info).putLong(8).putLong(entsize);
    }

    static String spacedHex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b) sb.append(String.format("%02x  ", x & 0xff));
        return sb.toString();
    }

    @Test void conformancePluginRunsEverySuiteProgramAsAnElfObject() throws Exception {
        int ran = 0;
        try (Stream<Path> files = Files.list(SharedData.conformance())) {
            for (Path file : files.filter(p -> p.toString().endsWith(".data")).sorted().toList()) {
                DataFile data = DataFile.parse(Files.readString(file));
                if (data.result() == null) continue;
                byte[] elf = runnerStyleElf(Assembler.assemble(data.asm()).bytes());
                String[] args = data.memory() == null || data.memory().length == 0
                        ? new String[] {"conformance-plugin", "--interpreter", "--elf"}
                        : new String[] {"conformance-plugin", spacedHex(data.memory()), "--interpreter", "--elf"};
                CliTest.Result r = CliTest.run(spacedHex(elf), args);
                assertEquals(0, r.code(), file + ": " + r.err());
                assertEquals(Long.toHexString(data.result()), r.out().strip(), file.toString());
                ran++;
            }
        }
        assertTrue(ran > 300, "ran " + ran);
    }

    Path bundled(String name) throws Exception {
        Path p = dir.resolve(name + ".o");
        Files.write(p, BundledPrograms.object(name));
        return p;
    }

    @Test void runLoadsAnObjectRunsRepeatedlyAndPrintsMaps() throws Exception {
        Path obj = bundled(BundledPrograms.COUNTER);
        CliTest.Result r = CliTest.run("", "run", obj.toString(), "--ctx", "0500000000000000", "--repeat", "3", "--unverified");
        assertEquals(0, r.code(), r.err());
        String[] lines = r.out().split("\n");
        assertEquals("0x0", lines[0], "the third run finds the key");
        assertTrue(lines[1].startsWith("{\"counts\":{\"name\":\"counts\",\"type\":\"hash\""), lines[1]);
        assertTrue(lines[1].contains("{\"key\":\"0500000000000000\",\"key_int\":5,\"key_btf\":5,\"value\":\"0300000000000000\",\"value_int\":3,\"value_btf\":3}"), lines[1]);
        assertTrue(lines[1].contains("\"new_keys\":{\"name\":\"new_keys\",\"type\":\"queue\""), lines[1]);
    }

    @Test void runTakesObjectsWithoutSectionsAsRawPrograms() throws Exception {
        // ldxb r0, [r1+1]; add r0, r2; exit: context bytes in r1, their count in r2
        byte[] elf = runnerStyleElf(Assembler.assemble("ldxb %r0, [%r1+1]\nadd %r0, %r2\nexit").bytes());
        Path obj = dir.resolve("raw.o");
        Files.write(obj, elf);
        CliTest.Result r = CliTest.run("", "run", obj.toString(), "--ctx", "0a0b0c", "--unverified");
        assertEquals(0, r.code(), r.err());
        assertEquals("0xe\n{}\n", r.out());
    }

    @Test void mapsAreDecodedThroughBtf() throws Exception {
        Path obj = bundled(BundledPrograms.RATE_LIMITER);
        CliTest.Result r = CliTest.run("", "run", obj.toString(), "--ctx", "07000000000000000500000000000000", "--repeat", "7", "--unverified");
        assertEquals(0, r.code(), r.err());
        assertEquals("0x0", r.out().split("\n")[0], "the 7th request in the same instant is refused");
        String json = r.out().split("\n")[1];
        assertTrue(json.contains("\"key_btf\":7,\"value\":"), json);
        assertTrue(json.contains("\"value_btf\":{\"milli_tokens\":0,\"last_ns\":5}"), json);
        assertTrue(json.contains("\"value_btf\":{\"admitted\":5,\"refused\":2}"), json);
        assertTrue(json.contains("\"value_btf\":{\"rate_per_sec\":10,\"burst\":5}"), json);
    }

    @Test void runChoosesAProgramByNameAndReportsErrorsInOneLine() throws Exception {
        Path obj = bundled(BundledPrograms.CONNECTION_ROUTER);
        CliTest.Result r = CliTest.run("", "run", obj.toString(), "--program", "route_write", "--ctx", "01000000000000000100000000000000", "--unverified");
        assertEquals(0, r.code(), r.err());
        assertEquals("0x0", r.out().split("\n")[0]);
        assertTrue(r.out().contains("\"records\":[\"010000000000000000000000"), r.out());
        r = CliTest.run("", "run", bundled(BundledPrograms.TOP_K).toString(), "--program", "bypass/topk", "--ctx", "05000000", "--unverified");
        assertEquals("0x1", r.out().split("\n")[0], "a section name selects its only program");
        r = CliTest.run("", "run", obj.toString(), "--program", "nope", "--unverified");
        assertNotEquals(0, r.code());
        assertTrue(r.err().startsWith("error: ") && r.err().contains("no program nope"), r.err());
        Path bad = dir.resolve("bad.o");
        byte[] b = BundledPrograms.object(BundledPrograms.COUNTER);
        Files.write(bad, java.util.Arrays.copyOf(b, 100));
        r = CliTest.run("", "run", bad.toString(), "--unverified");
        assertNotEquals(0, r.code());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("offset"), r.err());
    }
}
