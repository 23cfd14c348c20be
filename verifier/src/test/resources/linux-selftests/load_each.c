// Loads each program of a BPF object into the running kernel on its own (libbpf does maps, relocations and BTF,
// as the selftests' own loader does) and prints one line per program: its name, "accept" or "reject", and for a
// rejection the last line of the kernel verifier's log. Built and run by LinuxSelftestsTest as the second oracle.
#include <bpf/libbpf.h>
#include <stdio.h>
#include <string.h>

static char log_buf[1 << 22];

// The last line of the log that is not the closing statistics: the verifier's reason.
static const char *reason(const char *log) {
    static char line[512];
    const char *end = log + strlen(log), *start;
    for (;;) {
        while (end > log && (end[-1] == '\n' || end[-1] == ' ')) end--;
        start = end;
        while (start > log && start[-1] != '\n') start--;
        if (start == log || (strncmp(start, "processed ", 10) != 0 && strncmp(start, "verification time", 17) != 0
                && strncmp(start, "stack depth", 11) != 0))
            break;
        end = start;
    }
    snprintf(line, sizeof line, "%.*s", (int) (end - start), start);
    return line;
}

static int silent(enum libbpf_print_level level, const char *fmt, va_list args) { return 0; }

int main(int argc, char **argv) {
    libbpf_set_print(silent);
    struct bpf_object *names = bpf_object__open_file(argv[1], NULL);
    if (!names) {
        printf("*\treject\tobject does not open\n");
        return 0;
    }
    struct bpf_program *p;
    bpf_object__for_each_program(p, names) {
        const char *name = bpf_program__name(p);
        struct bpf_object *obj = bpf_object__open_file(argv[1], NULL);
        struct bpf_program *q, *target = NULL;
        bpf_object__for_each_program(q, obj) {
            int me = strcmp(bpf_program__name(q), name) == 0;
            bpf_program__set_autoload(q, me);
            if (me) target = q;
        }
        log_buf[0] = 0;
        bpf_program__set_log_buf(target, log_buf, sizeof log_buf);
        bpf_program__set_log_level(target, 1);
        int err = bpf_object__load(obj);
        // A log of statistics only: the verifier accepted the program and the load failed afterwards (a program
        // array slot naming a program not loaded with it); the verdict asked for is the verifier's.
        const char *why = log_buf[0] ? reason(log_buf) : strerror(-err);
        if (err == 0 || strncmp(why, "processed ", 10) == 0) printf("%s\taccept\n", name);
        else printf("%s\treject\t%s\n", name, why);
        bpf_object__close(obj);
    }
    bpf_object__close(names);
    return 0;
}
