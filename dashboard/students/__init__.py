"""The students: the list, one student's file (read model), its writes and the student's rights."""
