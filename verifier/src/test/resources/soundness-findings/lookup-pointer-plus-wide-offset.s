# Found by the soundness fuzzer (seed 20907977 of verifier/scripts/fuzz.sh): as lookup-pointer-plus-variable-offset.s,
# with a 32-bit loaded offset, which spans many elements: the moved pointer's element cannot be told from its value.
mov %r6, %r1
mov %r7, %r2
mov %r0, 2
mov %r3, 24
mov %r4, 22
mov %r5, 25
mov %r8, 55
mov %r9, 9
L0:
stw [%r10-36], 1
lddw %r1, map_idx(0)
mov %r2, %r10
add %r2, -36
call 1
mov %r4, %r0
mov %r9, %r0
stxdw [%r10-48], %r4
ldxdw %r4, [%r10-48]
mov %r3, 1
mov %r4, -3
mov %r5, 12

jeq %r9, 0, L1
ldxw %r0, [%r9+4]
L1:
mov %r1, %r9
mov %r2, %r0
mov %r3, %r10
add %r3, -8
call local f
mov %r3, 1
mov %r4, -3
mov %r5, 12

L2:
mov %r4, %r4
stxw [%r10-32], %r4
ldxw %r3, [%r10-32]
L3:
mul %r3, -6
L4:
mov %r0, 0
exit
f:
mov %r0, %r1
add %r0, %r2
exit
