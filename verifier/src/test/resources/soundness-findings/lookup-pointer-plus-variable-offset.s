# Found by the soundness fuzzer (seed 20317601 of verifier/scripts/fuzz.sh): one lookup's pointer, spilled and
# filled, then passed to a function that adds a loaded byte to it. The result keeps the lookup's id with a variable
# offset, which the state embedding once took for a different pointer of the same id.
mov %r6, %r1
mov %r7, %r2
mov %r0, 29
mov %r3, -2
mov %r4, 26
mov %r5, 32
mov %r8, -2
mov %r9, 51
L0:
jgt %r4, 7, J0
mov %r0, -1
ja J0e
J0:
mov %r0, 6
J0e:
L1:
stw [%r10-36], 0
lddw %r1, map_idx(0)
mov %r2, %r10
add %r2, -36
call 1
mov %r9, %r0
mov %r8, %r0
stxdw [%r10-48], %r9
ldxdw %r9, [%r10-48]
mov %r3, 1
mov %r4, -3
mov %r5, 12

jeq %r9, 0, L2
ldxb %r0, [%r9+2]
L2:
mov %r1, %r9
mov %r2, %r0
mov %r3, %r10
add %r3, -8
call local f
mov %r3, 1
mov %r4, -3
mov %r5, 12

L3:
jne32 %r4, %r4, L4
L4:
mod %r3, 16
L5:
stw [%r10-36], 2
lddw %r1, map_idx(0)
mov %r2, %r10
add %r2, -36
call 1
mov %r8, %r0
mov %r9, %r0
mov %r3, 1
mov %r4, -3
mov %r5, 12

jeq %r8, 0, L6
ldxb %r0, [%r9+5]
L6:
mov %r0, 0
exit
f:
mov %r0, %r1
add %r0, %r2
exit
