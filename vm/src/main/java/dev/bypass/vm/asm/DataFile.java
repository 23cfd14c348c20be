package dev.bypass.vm.asm;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * A test file in the format of the eBPF conformance suite: sections opened by {@code -- name} lines holding the
 * program ({@code asm}, optionally {@code raw} words), input memory ({@code mem}), and the expected {@code result}
 * or {@code error}. Other sections are descriptive and ignored.
 */
public record DataFile(String asm, List<Long> raw, byte[] memory, Long result, String error) {

    public static DataFile parse(String text) {
        StringBuilder asm = new StringBuilder();
        List<Long> raw = new ArrayList<>();
        ByteArrayOutputStream mem = new ByteArrayOutputStream();
        Long result = null;
        String error = null;
        String section = "";
        int lineNo = 0;
        for (String line : text.split("\r?\n", -1)) {
            lineNo++;
            if (line.startsWith("--")) {
                section = line.substring(2).strip();
                continue;
            }
            int hash = line.indexOf('#');
            String content = (hash >= 0 ? line.substring(0, hash) : line).strip();
            switch (section) {
                case "asm" -> asm.append(line).append('\n');
                case "raw" -> {
                    if (content.isEmpty()) continue;
                    String t = content.startsWith("0x") ? content.substring(2) : content;
                    if (t.contains(" ")) { // byte form: "85 01 00 ..."
                        String[] bytes = t.split("\\s+");
                        long w = 0;
                        for (int i = bytes.length - 1; i >= 0; i--) w = (w << 8) | Integer.parseInt(bytes[i], 16);
                        raw.add(w);
                    } else {
                        raw.add(Long.parseUnsignedLong(t, 16));
                    }
                }
                case "mem" -> {
                    for (String b : content.split("\\s+")) {
                        if (b.isEmpty()) continue;
                        try {
                            mem.write(Integer.parseInt(b, 16));
                        } catch (NumberFormatException e) {
                            throw new AssemblyException(lineNo, "invalid memory byte '" + b + "'");
                        }
                    }
                }
                case "result" -> {
                    if (content.isEmpty()) continue;
                    result = content.startsWith("0x") ? Long.parseUnsignedLong(content.substring(2), 16) : Long.parseLong(content);
                }
                case "error" -> {
                    if (!content.isEmpty()) error = content;
                }
                default -> {}
            }
        }
        return new DataFile(asm.toString(), raw, mem.toByteArray(), result, error);
    }
}
