package dev.bypass.txnstore.resp;

import static dev.bypass.txnstore.resp.CommandSpec.*;

import dev.bypass.txnstore.resp.RedisData.RedisError;
import dev.bypass.vm.BpfException;
import java.util.List;

/**
 * Programs as stored procedures over RESP, as Redis's FUNCTION commands are for Lua: {@code BPF.LOAD name [REPLACE]
 * object} verifies an ELF object and keeps it in the store, {@code BPF.UNLOAD name} removes it, {@code BPF.LIST}
 * shows every callable program with its run count and time, {@code BPF.RUN name arg...} runs one as a transaction.
 * All but BPF.LIST are {@code @dangerous}: a program reaches every table whatever the user's key patterns.
 */
final class ProcedureCommands {
    private ProcedureCommands() {}

    static void register(CommandTable t) {
        int own = NO_TXN | OWN_TXN | NOSCRIPT | DANGEROUS;
        t.add("BPF.RUN", -2, own | WRITE | DENYOOM, 0, 0, 0, "scripting", "Runs a loaded BPF program as a transaction.", c -> {
            long[] a = new long[c.argc - 2];
            for (int i = 0; i < a.length; i++) a[i] = c.integer(i + 2);
            try {
                c.out.integer(c.server.procedures.run(c.str(1), a));
            } catch (BpfException e) {
                throw new RedisError("ERR program " + c.str(1) + " failed: " + e.getMessage());
            }
        });
        t.add("BPF.LOAD", -3, own | WRITE | DENYOOM, 0, 0, 0, "scripting",
                "Verifies a BPF object's programs and keeps them in the store as a library of stored procedures.", c -> {
            if (c.argc > 4 || c.argc == 4 && !c.is(2, "REPLACE")) throw new RedisError("ERR syntax error: BPF.LOAD <library> [REPLACE] <object bytes>");
            String library = c.str(1);
            c.server.procedures.load(library, c.arg(c.argc - 1), c.argc == 4);
            c.out.bulk(library);
        });
        t.add("BPF.UNLOAD", 2, own | WRITE, 0, 0, 0, "scripting", "Removes a library of programs loaded by BPF.LOAD.", c -> {
            c.server.procedures.unload(c.str(1));
            c.out.simple("OK");
        });
        t.add("BPF.LIST", 1, NO_TXN | NOSCRIPT, 0, 0, 0, "scripting", "Lists the BPF programs BPF.RUN can call, with their run counts.", c -> {
            List<Procedures.Info> all = c.server.procedures.list();
            c.out.array(all.size());
            for (Procedures.Info p : all) {
                Object[] fields = {"name", p.name(), "library", p.library(), "origin", p.origin(), "instructions", p.instructions(), "run_count", p.runs(),
                        "run_time_ns", p.runNanos()};
                c.out.map(fields.length / 2);
                for (int i = 0; i < fields.length; i += 2) {
                    c.out.bulk((String) fields[i]);
                    if (fields[i + 1] instanceof String text) c.out.bulk(text);
                    else c.out.integer(((Number) fields[i + 1]).longValue());
                }
            }
        });
    }
}
