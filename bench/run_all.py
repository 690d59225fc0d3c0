"""Runs every benchmark of bench/ in turn (on demand; never part of the tests)."""

from bench import fast_node, zk_node


def main() -> None:
    import sys

    argv = sys.argv
    for bench in (fast_node, zk_node):
        sys.argv = [argv[0]]
        bench.main()


if __name__ == "__main__":
    main()
