mov %r6, %r1
mov %r7, %r2
mov %r0, 23
mov %r3, -5
mov %r4, 24
mov %r5, -6
mov %r8, 52
mov %r9, 39
stdw [%r10-8], 0
stdw [%r10-16], 0
stdw [%r10-24], 0
stdw [%r10-32], 0
L0:
jgt %r9, 4, J0
mov %r8, 1
ja J0e
J0:
mov %r8, %r10
J0e:
L1:
mov %r3, %r0
L2:
jgt %r3, 6, J2
mov %r4, 8
ja J2e
J2:
mov %r4, %r10
J2e:
L3:
mov %r4, 43
L4:
mov %r3, %r10
add %r3, -16
stxdw [%r10-40], %r3
ldxdw %r4, [%r10-40]
ldxb %r3, [%r4+0]
L5:
jle %r8, %r4, L7
L6:
stw [%r10-36], 0
lddw %r1, map_idx(0)
mov %r2, %r10
add %r2, -36
call 1
mov %r8, %r0
mov %r9, %r0
stxdw [%r10-48], %r8
ldxdw %r8, [%r10-48]
mov %r3, 1
mov %r4, -3
mov %r5, 12

jeq %r8, 0, L8
ldxw %r0, [%r8+0]
L7:
mov %r5, %r3
L8:
mov %r0, 0
exit

