"""Compiled numba kernels of the CPU, sparse and Dask backends, one topic a module.

Every kernel is a small explicit loop over contiguous arrays.  Parallel
kernels split rows into chunks of a fixed size (:mod:`.chunks`) that does not
depend on the number of threads, and each row's result is computed by one
thread alone, so the output is the same whatever ``numba.get_num_threads()``
returns; reductions over rows add per-chunk (or per-range) partial sums in a
fixed order.

Conventions shared by the assignment kernels:

* ties go to the lowest centre index (strict ``<``), as in SciPy's ``vq``;
* a row whose distances are all NaN or +inf (non-finite input, or overflow)
  gets label ``-1`` and squared distance ``+inf``; callers turn that into a
  clear error instead of returning garbage;
* arithmetic runs in the dtype of the arrays passed in (float32 or float64):
  callers cast both operands to their common dtype first.

Importing a kernel module compiles nothing and starts no thread: numba
compiles (or loads from its cache) each kernel on its first call, and the
backends start numba's worker threads (:mod:`.threads`) before their first
kernel runs.
"""
