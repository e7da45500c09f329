#include "run.hpp"

int main(int argc, char** argv) { return acctsec::cli::run(argc, argv); }
