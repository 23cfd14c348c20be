package dev.bypass.tests.apps;

import java.io.BufferedReader;
import java.io.InputStreamReader;

/**
 * An application with no knowledge of Bypass: squares each number read from standard input and prints the result,
 * or the exception a call raised. Prints "ready <pid>" first.
 */
public final class Squares {
    public static long square(int x) { return (long) x * x; }

    public static void main(String[] args) throws Exception {
        System.out.println("ready " + ProcessHandle.current().pid());
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        for (String line; (line = in.readLine()) != null; ) {
            try {
                System.out.println(square(Integer.parseInt(line.trim())));
            } catch (RuntimeException e) {
                System.out.println(e.getClass().getName() + ": " + e.getMessage());
            }
            System.out.flush();
        }
    }
}
