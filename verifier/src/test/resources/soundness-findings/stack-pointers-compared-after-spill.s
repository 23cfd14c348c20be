mov %r6, %r1
mov %r7, %r2
mov %r0, -4
mov %r3, 25
mov %r4, 32
mov %r5, 49
mov %r8, 26
mov %r9, 11
L0:
jsle32 %r3, %r8, L8
L1:
mov %r8, %r10
add %r8, -32
stxdw [%r10-40], %r8
ldxdw %r9, [%r10-40]
ldxdw %r8, [%r9+0]
L2:
mov %r9, 2
H2:
may_goto L5
add %r0, %r9
add %r9, 3
jlt %r9, 300, H2
L3:
stw [%r10-36], 0
lddw %r1, map_idx(0)
mov %r2, %r10
add %r2, -36
call 1
mov %r9, %r0
mov %r8, %r0
call 7
jne %r0, 0, U3
stw [%r10-36], 2
lddw %r1, map_idx(0)
mov %r2, %r10
add %r2, -36
call 1
mov %r8, %r0
U3:
stxdw [%r10-48], %r9
ldxdw %r9, [%r10-48]
mov %r3, 1
mov %r4, -3
mov %r5, 12

jeq %r9, 0, L6
ldxw %r0, [%r9+0]
L4:
mov %r8, %r10
add %r8, -32
stxdw [%r10-40], %r8
ldxdw %r0, [%r10-40]
ldxh %r8, [%r0+0]
L5:
div %r4, 24
L6:
stw [%r10-36], 3
lddw %r1, map_idx(0)
mov %r2, %r10
add %r2, -36
call 1
mov %r5, %r0
mov %r9, %r0
mov %r3, 1
mov %r4, -3
mov %r5, 12

jeq %r9, 0, L9
ldxdw %r0, [%r5+0]
L7:
mov %r8, %r5
and %r8, 24
mov %r4, %r10
add %r4, -32
add %r4, %r8
ldxb %r8, [%r4+0]
L8:
stw [%r10-36], 0
lddw %r1, map_idx(0)
mov %r2, %r10
add %r2, -36
call 1
mov %r9, %r0
mov %r8, %r0
mov %r3, 1
mov %r4, -3
mov %r5, 12

jeq %r8, 0, L11
ldxh %r0, [%r9+6]
L9:
add %r4, %r8
L10:
jge %r4, %r9, L12
L11:
jsgt %r5, %r0, L12
L12:
mov %r0, 0
exit

