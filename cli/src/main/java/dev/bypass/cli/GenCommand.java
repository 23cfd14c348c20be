package dev.bypass.cli;

import dev.bypass.programs.skeleton.SkeletonGenerator;
import dev.bypass.vm.elf.ElfLoader;
import dev.bypass.vm.elf.ElfObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.*;

@Command(name = "gen", description = "Generate code: Java skeletons of BPF objects, C headers of program ABIs.", subcommands = {GenCommand.Skeleton.class, GenCommand.Header.class})
final class GenCommand extends CommandGroup {
    @Command(name = "header", description = {"Print the C header of a host's program ABI: its hooks' context structs, return conventions and helpers.",
            "The host proxy is the PostgreSQL proxy, whose hooks are connect, auth, query, result, route and mirror (bypass_proxy.h)."})
    static final class Header implements Callable<Integer> {
        @Parameters(paramLabel = "HOST", description = "proxy") String host;
        @Option(names = {"-o", "--output"}, paramLabel = "PATH", description = "write here (a directory gets the header's file name); default: stdout") Path output;
        @Spec Model.CommandSpec spec;

        @Override public Integer call() throws Exception {
            if (!host.equals("proxy")) throw new CliException("gen header: unknown host '" + host + "' (known: proxy)", 2);
            String text = dev.bypass.proxy.hooks.ProxyAbi.header();
            if (output == null) {
                spec.commandLine().getOut().print(text);
                spec.commandLine().getOut().flush();
                return 0;
            }
            Path target = Files.isDirectory(output) ? output.resolve(dev.bypass.proxy.hooks.ProxyAbi.HEADER_NAME) : output;
            Files.writeString(target, text);
            spec.commandLine().getOut().println("wrote " + target);
            return 0;
        }
    }

    @Command(name = "skeleton", description = {"Write a typed Java skeleton for a BPF object.",
            "It holds a record per BTF struct used by the object's maps, programs and globals, and typed accessors per map."})
    static final class Skeleton implements Callable<Integer> {
        @Parameters(paramLabel = "FILE") Path file;
        @Option(names = "--package", defaultValue = "", description = "Java package of the generated class") String pkg;
        @Option(names = "--class", description = "class name (default: from the file name, e.g. CounterSkeleton)") String cls;
        @Option(names = {"-o", "--output"}, paramLabel = "PATH", description = "write here (a directory gets Class.java); default: stdout") Path output;
        @Spec Model.CommandSpec spec;

        @Override public Integer call() throws Exception {
            ElfObject o = ElfLoader.load(file);
            String name = cls != null ? cls : SkeletonGenerator.classNameFor(file.getFileName().toString());
            if (!name.matches("[A-Za-z_$][A-Za-z0-9_$]*")) throw new CliException("--class: '" + name + "' is not a Java class name", 2);
            if (!pkg.isEmpty() && !pkg.matches("[A-Za-z_$][A-Za-z0-9_$]*(\\.[A-Za-z_$][A-Za-z0-9_$]*)*"))
                throw new CliException("--package: '" + pkg + "' is not a Java package name", 2);
            String source;
            try {
                source = SkeletonGenerator.generate(o, file.getFileName().toString(), pkg, name);
            } catch (IllegalArgumentException e) {
                throw new CliException(file + ": " + e.getMessage(), 1);
            }
            if (output == null) {
                spec.commandLine().getOut().print(source);
                spec.commandLine().getOut().flush();
            } else {
                Path target = Files.isDirectory(output) ? output.resolve(name + ".java") : output;
                Files.writeString(target, source);
                spec.commandLine().getOut().println("wrote " + target);
            }
            return 0;
        }
    }
}
