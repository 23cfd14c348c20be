package dev.bypass.verifier;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.programs.ProgramRuntime;
import dev.bypass.vm.verification.ProgramType;
import dev.bypass.vm.verification.VerificationRequest;
import dev.bypass.vm.asm.Assembler;
import dev.bypass.vm.ctx.ContextLayout;
import dev.bypass.vm.helpers.HelperRegistry;
import dev.bypass.vm.maps.MapSpec;
import dev.bypass.vm.maps.MapType;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The hand-written corpus (src/test/resources/corpus): each case names its verdict and, for rejections, the error
 * code; the verifier must agree exactly.
 */
class CorpusTest {
    static final List<String> FILES = List.of("basics.txt", "memory.txt", "helpers.txt", "calls.txt", "alu.txt", "branches.txt",
            "pointers.txt", "stack.txt", "references.txt", "loops.txt", "helpers2.txt", "maygoto.txt");

    record Case(String file, String name, boolean accept, ErrorCode code, int ctxSize, List<MapSpec> maps, String asm) {}

    static HelperRegistry helpers() {
        try (ProgramRuntime rt = ProgramRuntime.builder().verifier(new StandardVerifier()).build()) {
            return rt.helpers();
        }
    }

    static List<Case> cases() throws IOException {
        List<Case> out = new ArrayList<>();
        for (String f : FILES) {
            String text;
            try (InputStream in = CorpusTest.class.getResourceAsStream("/corpus/" + f)) {
                text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            String[] parts = text.split("(?m)^### ");
            for (int i = 1; i < parts.length; i++) {
                String part = parts[i];
                int nl = part.indexOf('\n');
                String[] header = part.substring(0, nl).split("\\|");
                String name = header[0].strip();
                String[] verdict = header[1].strip().split("\\s+");
                boolean accept = verdict[0].equals("accept");
                ErrorCode code = accept ? null : ErrorCode.valueOf(verdict[1]);
                int ctx = 64;
                List<MapSpec> maps = new ArrayList<>();
                for (int h = 2; h < header.length; h++) {
                    String opt = header[h].strip();
                    if (opt.startsWith("ctx=")) ctx = Integer.parseInt(opt.substring(4));
                    else if (opt.startsWith("maps=")) {
                        int idx = 0;
                        for (String m : opt.substring(5).split(",")) {
                            String[] p = m.split(":");
                            maps.add(new MapSpec("m" + idx++, MapType.valueOf(p[0].toUpperCase(Locale.ROOT)), Integer.parseInt(p[1]),
                                    Integer.parseInt(p[2]), Integer.parseInt(p[3]), 0));
                        }
                    } else throw new IllegalArgumentException(f + ": unknown option " + opt);
                }
                out.add(new Case(f, name, accept, code, ctx, maps, part.substring(nl + 1)));
            }
        }
        return out;
    }

    static StandardVerifier.Result verify(Case c, HelperRegistry helpers) {
        ProgramType raw = new ProgramType("raw", "", ContextLayout.raw(c.ctxSize()));
        VerificationRequest r = new VerificationRequest(c.name(), Assembler.assemble(c.asm()), raw, c.maps(), helpers, s -> null,
                Collections.nCopies(c.maps().size(), null));
        return StandardVerifier.analyse(r, false);
    }

    @TestFactory
    Stream<DynamicTest> everyCaseGetsItsVerdict() throws IOException {
        HelperRegistry helpers = helpers();
        return cases().stream().map(c -> DynamicTest.dynamicTest(c.file() + ": " + c.name(), () -> {
            StandardVerifier.Result res = verify(c, helpers);
            if (c.accept()) {
                assertTrue(res.accepted(), () -> "expected accept, got " + res.rejection().message());
            } else {
                assertFalse(res.accepted(), "expected " + c.code() + ", but the program was accepted");
                assertEquals(c.code(), res.rejection().code(), res.rejection().message());
            }
        }));
    }

    @Test
    void corpusCoversBothVerdicts() throws IOException {
        List<Case> all = cases();
        long accepts = all.stream().filter(Case::accept).count();
        assertTrue(accepts > 20 && all.size() - accepts > 40, "corpus has " + accepts + " accepts of " + all.size());
    }
}
