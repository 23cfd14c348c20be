package dev.bypass.tests.apps;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;

/** An application with no knowledge of Bypass: reads each file named on standard input, prints what happened. */
public final class FileReaderApp {
    public static void main(String[] args) throws Exception {
        System.out.println("ready");
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        for (String line; (line = in.readLine()) != null; ) {
            try {
                System.out.println("read " + Files.readAllBytes(Path.of(line.trim())).length + " bytes");
            } catch (AccessDeniedException e) {
                System.out.println("denied: " + e.getMessage());
            }
            System.out.flush();
        }
    }
}
