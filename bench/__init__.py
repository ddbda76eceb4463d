"""Benchmarks of r2repo against reprepro, aptly, createrepo_c and nginx (`python -m bench`)."""
