package dev.bypass.vm.maps;

/** Linux errno values that map operations return negated, exactly as the kernel's helpers do. */
public final class Errno {
    private Errno() {}

    public static final int EPERM = 1, ENOENT = 2, E2BIG = 7, ENOMEM = 12, EBUSY = 16, EEXIST = 17, EINVAL = 22,
            ENOSPC = 28, EOPNOTSUPP = 95, EAGAIN = 11;

    public static String name(int negated) {
        return switch (-negated) {
            case 0 -> "OK";
            case EPERM -> "EPERM";
            case ENOENT -> "ENOENT";
            case E2BIG -> "E2BIG";
            case ENOMEM -> "ENOMEM";
            case EBUSY -> "EBUSY";
            case EEXIST -> "EEXIST";
            case EINVAL -> "EINVAL";
            case ENOSPC -> "ENOSPC";
            case EOPNOTSUPP -> "EOPNOTSUPP";
            case EAGAIN -> "EAGAIN";
            default -> "errno " + (-negated);
        };
    }
}
