package dev.bypass.vm.isa;

/** Byte-swap instruction flavours: to little endian, to big endian (both in the ALU class), unconditional (ALU64). */
public enum ByteOrder {
    LE("le"), BE("be"), SWAP("bswap");

    public final String mnemonic;

    ByteOrder(String mnemonic) { this.mnemonic = mnemonic; }
}
