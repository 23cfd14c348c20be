package dev.bypass.txnstore.resp;

import static dev.bypass.txnstore.resp.CommandSpec.*;

import dev.bypass.txnstore.resp.RedisData.RedisError;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** AUTH and the ACL command: users, their rules and who a connection is ({@link Acl}). */
final class AclCommands {
    private AclCommands() {}

    private static final SecureRandom RANDOM = new SecureRandom();

    static void register(CommandTable t) {
        int flags = NO_TXN | NOSCRIPT | LOADING | STALE;
        t.add("AUTH", -2, NO_TXN | NO_AUTH | FAST | NOSCRIPT | LOADING | STALE | NO_MULTI | ALLOW_BUSY, 0, 0, 0, "connection", "Authenticates the connection.",
                AclCommands::auth);
        t.add("ACL", -2, flags, 0, 0, 0, "server", "A container for Access List Control commands.", AclCommands::acl);
        t.subcommands("ACL", flags, "server", "WHOAMI", "CAT", "GENPASS", "HELP");
        t.subcommands("ACL", flags | ADMIN, "server", "SETUSER", "GETUSER", "DELUSER", "LIST", "USERS", "DRYRUN", "LOAD", "SAVE", "LOG");
    }

    private static void auth(Call c) {
        if (c.argc > 3) throw RedisData.SYNTAX;
        if (c.argc == 2 && c.server.acl.defaultUserOpen())
            throw new RedisError("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?");
        authenticate(c, c.argc == 2 ? Acl.DEFAULT : c.str(1), c.arg(c.argc - 1));
        c.out.simple("OK");
    }

    /** Makes the connection {@code user}'s, or throws WRONGPASS (the connection stays as it was). */
    static void authenticate(Call c, String user, byte[] password) {
        Acl.Account a = c.server.acl.authenticate(user, password);
        if (a == null) {
            c.server.authFailures.incrementAndGet();
            throw new RedisError(Acl.WRONGPASS);
        }
        c.session.account = a;
    }

    private static void acl(Call c) {
        Acl acl = c.server.acl;
        switch (c.upper(1)) {
            case "WHOAMI" -> {
                arity(c, 2, "whoami");
                c.out.bulk(c.session.account.name);
            }
            case "USERS" -> {
                arity(c, 2, "users");
                List<String> names = acl.userNames();
                c.out.array(names.size());
                for (String n : names) c.out.bulk(n);
            }
            case "LIST" -> {
                arity(c, 2, "list");
                List<String> names = acl.userNames();
                List<String> lines = new ArrayList<>();
                for (String n : names) {
                    Acl.Account a = acl.account(n);
                    Acl.User u = a == null ? null : a.user;
                    if (u != null) lines.add(Acl.describe(u));
                }
                c.out.array(lines.size());
                for (String l : lines) c.out.bulk(l);
            }
            case "SETUSER" -> {
                if (c.argc < 3) throw new RedisError("ERR wrong number of arguments for 'acl|setuser' command");
                List<String> rules = new ArrayList<>();
                for (int i = 3; i < c.argc; i++) rules.add(c.str(i));
                try {
                    acl.setUser(c.str(2), rules);
                } catch (IllegalArgumentException e) {
                    throw new RedisError("ERR " + e.getMessage());
                }
                c.out.simple("OK");
            }
            case "GETUSER" -> {
                arity(c, 3, "getuser");
                Acl.Account a = acl.account(c.str(2));
                Acl.User u = a == null ? null : a.user;
                if (u == null) {
                    c.out.nullBulk();
                    return;
                }
                getUser(c.out, u);
            }
            case "DELUSER" -> {
                if (c.argc < 3) throw new RedisError("ERR wrong number of arguments for 'acl|deluser' command");
                for (int i = 2; i < c.argc; i++)
                    if (c.str(i).equals(Acl.DEFAULT)) throw new RedisError("ERR The 'default' user cannot be removed");
                int n = 0;
                for (int i = 2; i < c.argc; i++) {
                    Acl.Account gone = acl.deleteUser(c.str(i));
                    if (gone != null) {
                        n++;
                        disconnect(c.server, List.of(gone));
                    }
                }
                c.out.integer(n);
            }
            case "CAT" -> {
                if (c.argc > 3) throw new RedisError("ERR wrong number of arguments for 'acl|cat' command");
                List<String> names;
                if (c.argc == 2) names = Acl.CATEGORIES;
                else {
                    String cat = c.str(2).toLowerCase(java.util.Locale.ROOT);
                    if (!Acl.CATEGORIES.contains(cat)) throw new RedisError("ERR Unknown category '" + c.str(2) + "'");
                    names = acl.commandsIn(cat);
                }
                c.out.array(names.size());
                for (String n : names) c.out.bulk(n);
            }
            case "DRYRUN" -> {
                if (c.argc < 4) throw new RedisError("ERR wrong number of arguments for 'acl|dryrun' command");
                Acl.Account a = acl.account(c.str(2));
                Acl.User u = a == null ? null : a.user;
                if (u == null) throw new RedisError("ERR User '" + c.str(2) + "' not found");
                CommandSpec spec = c.server.commands.lookup(c.arg(3));
                if (spec == null) throw new RedisError("ERR Command '" + c.str(3) + "' not found");
                byte[][] args = java.util.Arrays.copyOfRange(c.args, 3, c.argc);
                if (!spec.arityOk(args.length)) throw new RedisError("ERR wrong number of arguments for '" + spec.lowerName() + "' command");
                String why = spec.has(NO_AUTH) ? null : acl.denied(u, spec, args, args.length);
                if (why == null) c.out.simple("OK");
                else c.out.bulk(why.substring("NOPERM ".length()));
            }
            case "GENPASS" -> {
                int bits = 256;
                if (c.argc > 3) throw new RedisError("ERR wrong number of arguments for 'acl|genpass' command");
                if (c.argc == 3) {
                    long b = c.integer(2);
                    if (b <= 0 || b > 4096) throw new RedisError("ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096");
                    bits = (int) b;
                }
                byte[] r = new byte[(bits + 7) / 8];
                RANDOM.nextBytes(r);
                String hex = HexFormat.of().formatHex(r);
                c.out.bulk(hex.substring(0, (bits + 3) / 4));
            }
            case "LOAD" -> {
                arity(c, 2, "load");
                if (c.server.access.aclFile() == null) throw noAclFile();
                List<Acl.Account> gone;
                try {
                    gone = c.server.loadAclFile();
                } catch (IllegalArgumentException e) {
                    throw new RedisError("ERR " + e.getMessage());
                }
                disconnect(c.server, gone);
                c.out.simple("OK");
            }
            case "SAVE" -> {
                arity(c, 2, "save");
                Path file = c.server.access.aclFile();
                if (file == null) throw noAclFile();
                save(acl, file);
                c.out.simple("OK");
            }
            case "LOG" -> throw new RedisError("ERR ACL LOG is not supported by this server");
            case "HELP" -> {
                String[] lines = {"ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", "CAT [<category>]", "DELUSER <username> [<username> ...]",
                        "DRYRUN <username> <command> [<arg> ...]", "GETUSER <username>", "LIST", "USERS", "SAVE", "LOAD", "SETUSER <username> <attribs> ...",
                        "WHOAMI", "GENPASS [<bits>]", "HELP"};
                c.out.array(lines.length);
                for (String l : lines) c.out.simple(l);
            }
            default -> throw new RedisError("ERR unknown subcommand '" + c.str(1) + "'. Try ACL HELP.");
        }
    }

    private static void arity(Call c, int n, String sub) {
        if (c.argc != n) throw new RedisError("ERR wrong number of arguments for 'acl|" + sub + "' command");
    }

    private static RedisError noAclFile() {
        return new RedisError("ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command"
                + " and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration.");
    }

    /** Writes every user's line to the ACL file, replacing it as a whole, readable by the owner only. */
    private static void save(Acl acl, Path file) {
        StringBuilder sb = new StringBuilder();
        for (String n : acl.userNames()) {
            Acl.Account a = acl.account(n);
            Acl.User u = a == null ? null : a.user;
            if (u != null) sb.append(Acl.describe(u)).append('\n');
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.deleteIfExists(tmp);
            try {
                Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException e) {
                Files.createFile(tmp);
            }
            Files.writeString(tmp, sb);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new RedisError("ERR There was an error trying to save the ACLs. Please check the server logs for more information (" + file + ": " + e + ")");
        }
    }

    /** Closes the connections of users that no longer exist. */
    private static void disconnect(Server server, List<Acl.Account> gone) {
        for (Connection conn : server.clients.values())
            if (gone.contains(conn.session.account)) conn.close();
    }

    /** ACL GETUSER's reply: flags, passwords, commands, keys, channels, selectors. */
    private static void getUser(RespWriter out, Acl.User u) {
        out.map(6);
        out.bulk("flags");
        List<String> flags = new ArrayList<>(List.of(u.enabled() ? "on" : "off"));
        if (u.nopass()) flags.add("nopass");
        out.array(flags.size());
        for (String f : flags) out.bulk(f);
        out.bulk("passwords");
        out.array(u.passwordHashes().size());
        for (String h : u.passwordHashes()) out.bulk(h);
        out.bulk("commands");
        out.bulk(String.join(" ", u.commandRules()));
        out.bulk("keys");
        out.bulk(u.allKeys() ? "~*" : String.join(" ", u.keyPatterns().stream().map(p -> "~" + p).toList()));
        out.bulk("channels");
        out.bulk(u.allChannels() ? "&*" : String.join(" ", u.channels().stream().map(p -> "&" + p).toList()));
        out.bulk("selectors");
        out.array(0);
    }
}
