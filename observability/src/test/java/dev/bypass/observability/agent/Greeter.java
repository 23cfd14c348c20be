package dev.bypass.observability.agent;

/** An ordinary class with no knowledge of the agent: the methods the tests probe. */
public class Greeter {
    private final String name;

    public Greeter(String name) { this.name = name; }

    public static long square(int x) {
        if (x < 0) return -1; // a branch: the probe's locals must survive stack map frames
        return (long) x * x;
    }

    public String greet(int times, String who) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < times; i++) sb.append("hello ").append(who).append(' ');
        if (times == 99) throw new IllegalArgumentException("too many");
        return sb.toString().trim();
    }

    @Override public String toString() { return "Greeter(" + name + ")"; }
}
