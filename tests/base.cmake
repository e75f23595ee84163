# Unit tests of gate/base (label: unit).
# The escaper of untrusted text (base/escape.c).
gate_add_unit_test(unit.escape SOURCES unit/test_escape.c LIBS gate_base)
# The bump allocator of the ext4 writer's nodes (base/arena.c).
gate_add_unit_test(unit.arena SOURCES unit/test_arena.c LIBS gate_base)
