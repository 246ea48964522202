// ckpt: command-line twin of Checkpoint Studio.
#include <cstdio>
int main() { std::puts("ckpt"); return 0; }
