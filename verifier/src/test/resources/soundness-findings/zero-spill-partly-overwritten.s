mov %r6, %r1
mov %r7, %r2
mov %r0, 2
mov %r3, 4
mov %r4, 17
mov %r5, 43
mov %r8, 32
mov %r9, 20
stdw [%r10-8], 0
stdw [%r10-16], 0
stdw [%r10-24], 0
stdw [%r10-32], 0
L0:
mov %r8, %r4
and %r8, 24
mov %r4, %r10
add %r4, -32
add %r4, %r8
stxb [%r4+0], %r8
L1:
mov %r5, %r4
stxdw [%r10-16], %r5
jgt %r4, 17, L4
ldxdw %r9, [%r10-16]
L2:
xor %r0, %r0
L3:
div %r8, %r0
L4:
jne %r3, %r3, L9
L5:
jeq %r5, 14, L7
L6:
mov %r9, %r8
stxdw [%r10-32], %r9
jlt %r9, 9, L7
ldxdw %r9, [%r10-32]
L7:
mov %r9, 2
H7:
mul %r0, 8
add %r9, 2
jlt %r9, 2000, H7
L8:
mov %r9, 1
H8:
add %r0, 7
mov %r8, %r9
and %r8, 15
mov %r4, %r10
add %r4, -32
add %r4, %r8
stxb [%r4+0], %r8
add %r9, 2
jlt %r9, 3, H8
L9:
mov %r0, 0
exit

