"""The standing bad-input and attack suite (issue 23): every test here is one kind of bad input or attack, each
asserting the expected outcome (reason, exit code or HTTP status, bytes kept, batch continued, nothing archived
twice). The closing line that counts how many kinds were tried and how many held is written by the hooks in
``tests/conftest.py``: under pytest-xdist only the controlling process prints a summary, and it loads that conftest
but not this one."""
