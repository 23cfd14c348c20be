# Found by the soundness fuzzer (seed 20653205 of verifier/scripts/fuzz.sh): the length (r7) is dead after the
# first branch on it, so the path where r7 <= 32 was pruned at L5 against the one where r7 >= 33. Inside f, adding
# an index proven below the length to a buffer pointer took the bound from the caller's dead r7 and gave the result
# a range of 33 bytes on a 32-byte buffer.
mov %r6, %r1
mov %r7, %r2
mov %r0, 18
mov %r3, 38
mov %r4, 26
mov %r5, 20
mov %r8, 37
mov %r9, 38
stdw [%r10-8], 0
stdw [%r10-16], 0
stdw [%r10-24], 0
stdw [%r10-32], 0
L0:
mov %r1, %r9
mov %r2, %r3
mov %r3, %r10
add %r3, -8
call local f
mov %r3, 1
mov %r4, -3
mov %r5, 12

L1:
mov %r4, %r3
and %r4, 51
jge %r4, %r7, L6
mov %r3, %r6
add %r3, %r4
stb [%r3+0], 1
L2:
mov %r0, %r9
and %r0, 32
jge %r0, %r7, L5
mov %r9, %r6
add %r9, %r0
ldxb %r0, [%r9+0]
L3:
jeq32 %r4, 18, L6
L4:
mov %r0, %r8
and %r0, 11
jge %r0, %r7, L8
mov %r8, %r6
add %r8, %r0
ldxb %r0, [%r8+0]
L5:
mov %r1, %r4
mov %r2, %r3
mov %r3, %r10
add %r3, -8
call local f
mov %r3, 1
mov %r4, -3
mov %r5, 12

L6:
stw [%r10-36], 2
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

jeq %r9, 0, L7
ldxw %r0, [%r9+0]
L7:
mov %r1, %r5
mov %r2, %r3
mov %r3, %r10
add %r3, -8
call local f
mov %r3, 1
mov %r4, -3
mov %r5, 12

L8:
mov %r0, 0
exit
f:
mov %r0, %r1
add %r0, %r2
exit
