"""The fixed row chunks that parallel kernels split their rows into.

Chunk sizes are constants, never derived from the number of threads, so
results are the same on any machine.
"""

#: Rows handled by one parallel task.  Fixed, so results never depend on threads.
ROW_CHUNK = 2048

#: Rows per parallel task of the argmin over a block of dot products (a
#: block holds a few thousand rows; each row's result is its own, so any
#: split gives the same output).
BLOCK_ROW_CHUNK = 128
