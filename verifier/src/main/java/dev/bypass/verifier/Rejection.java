package dev.bypass.verifier;

/** A rejection as data: what, where, and the register state that shows why. */
public record Rejection(ErrorCode code, int slot, String instruction, String sourceLine, String detail, String registers) {

    /** The one-line message: code, instruction index, instruction, source line when known, detail, registers. */
    public String message() {
        StringBuilder b = new StringBuilder();
        b.append(code).append(" at instruction ").append(slot);
        if (instruction != null) b.append(" (").append(instruction).append(')');
        if (sourceLine != null) b.append(" [").append(sourceLine).append(']');
        b.append(": ").append(detail);
        if (registers != null && !registers.isEmpty()) b.append("; ").append(registers);
        return b.toString();
    }
}
