package dev.bypass.vm.elf;

/** The C source position of an instruction, from {@code .BTF.ext} line info. */
public record LineInfo(String file, int line, int column, String source) {
    @Override public String toString() {
        String base = file + ":" + line + (column > 0 ? ":" + column : "");
        return source == null || source.isBlank() ? base : base + " `" + source.strip() + "`";
    }
}
