package dev.bypass.examples;

import dev.bypass.programs.LoadedObject;
import dev.bypass.programs.LoadedProgram;
import dev.bypass.programs.ProgramRuntime;
import dev.bypass.programs.Verifiers;
import dev.bypass.vm.maps.BpfMap;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * Runs a verified clang program from Java and reads its map.
 *
 * <p>{@code letter_count.c} is compiled with {@code clang -O2 -g -target bpf}; the runtime loads the object, creates
 * its map, and has the standard verifier prove every program safe before anything runs (a rejected program fails
 * the load with the instruction, its C line and the reason). The program counts the letters of the text it is given
 * into the array map {@code letters}, which the host reads afterwards, as a Linux host reads a map with
 * {@code bpf_map_lookup_elem}.
 *
 * <p>Usage: {@code RunProgram [TEXT...]} (a default sentence when none is given). Prints how many bytes the program
 * read and the count of each letter that occurs, most frequent first.
 */
public final class RunProgram {
    private RunProgram() {}

    public static void main(String[] args) {
        String text = args.length > 0 ? String.join(" ", args) : "The quick brown fox jumps over the lazy dog";
        // The standard verifier is the default; an unverified runtime must be asked for by name (tests only).
        try (ProgramRuntime runtime = ProgramRuntime.builder().verifier(Verifiers.standard()).build();
             LoadedObject object = runtime.load("letter_count", ExampleObjects.read("letter_count.o"))) {
            LoadedProgram program = object.program("count_letters");
            System.out.println(program + " verified by " + program.verifiedBy() + ": " + program.instructionCount() + " instructions");

            // SEC("mem") programs get the bytes in r1 and their length in r2; r0 comes back as the result.
            long read = program.run(text.getBytes(StandardCharsets.UTF_8));

            // Array maps have u32 keys; this one holds u64 counts. Keys and values are little-endian bytes.
            BpfMap letters = object.map("letters");
            long[] counts = new long[27];
            for (int i = 0; i < counts.length; i++) {
                byte[] value = letters.lookup(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(i).array());
                counts[i] = ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN).getLong();
            }
            System.out.println("bytes read: " + read + ", letters: " + (read - counts[26]));
            IntStream.range(0, 26).boxed().filter(i -> counts[i] > 0)
                    .sorted(Comparator.comparingLong((Integer i) -> -counts[i]).thenComparing(i -> i))
                    .forEach(i -> System.out.println((char) ('a' + i) + ": " + counts[i]));
        }
    }
}
