#pragma once
namespace acctsec::cli {
int run(int argc, char** argv);
}
