package dev.bypass.vm.elf;

/**
 * A function of a program as its object's BTF declares it: its name, and whether it returns a scalar (an integer
 * of at most 8 bytes or an enum, as Linux's {@code btf_type_is_small_int}/{@code btf_is_any_enum} read it) rather
 * than {@code void}, a pointer or an aggregate.
 */
public record DeclaredFunction(String name, boolean scalarReturn) {
    /** The declaration of function {@code name} in {@code btf}, or null when the BTF has no such function. */
    public static DeclaredFunction of(Btf btf, String name) {
        int id = btf.find(name, Btf.FUNC);
        if (id < 0) return null;
        String where = ".BTF function " + name;
        Btf.Type proto = btf.resolve(btf.type(id, where).sizeOrType(), where);
        if (proto.kind() != Btf.FUNC_PROTO) return null;
        long ret = proto.sizeOrType();
        if (ret == 0) return new DeclaredFunction(name, false);
        Btf.Type t = btf.resolve(ret, where);
        boolean scalar = t.kind() == Btf.INT && t.sizeOrType() <= 8 || t.kind() == Btf.ENUM || t.kind() == Btf.ENUM64;
        return new DeclaredFunction(name, scalar);
    }
}
