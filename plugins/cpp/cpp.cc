// SPDX-License-Identifier: MIT
//
// cpp.cc - the Cpp sample plugin (org.signet.sample.cpp): class CppFilter,
// protocol Filter 1, written in C++ and linked with the C++ driver, so the
// bundle needs libstdc++ and libgcc_s from the platform.
//
//   filter    "**"  reverses each line (the newlines stay where they are)
//   name      "*"   "cpp"
//   selftest  "i"   throws and catches two exceptions inside the plugin
//                   (std::invalid_argument from std::stoi, and a
//                   std::runtime_error thrown through eight frames) and
//                   returns how many were caught: 2 when unwinding works
//   calls     "i"   how many methods this thread has called on any
//                   CppFilter (a thread_local counter), this one included
//
// No exception ever leaves the plugin: every entry point catches
// everything, because the host is C and calls through libffi.
#include <algorithm>
#include <cstdint>
#include <new>
#include <stdexcept>
#include <string>

#include <signet/plugin.h>

namespace {

thread_local int32_t calls_on_this_thread = 0;

// The instance memory is zeroed raw bytes: init constructs the state in
// place, fini destroys it.
struct State {
	std::string out;
};

State *state(void *self)
{
	return static_cast<State *>(self);
}

int cpp_init(void *self)
{
	try {
		new (self) State();
		return 0;
	} catch (...) {
		return -1;
	}
}

void cpp_fini(void *self)
{
	state(self)->~State();
}

const char *cpp_filter(void *self, const char *text)
{
	++calls_on_this_thread;
	if (!text)
		return nullptr;
	try {
		std::string &out = state(self)->out;
		out.assign(text);
		auto begin = out.begin();
		while (begin != out.end()) {
			auto end = std::find(begin, out.end(), '\n');
			std::reverse(begin, end);
			begin = end == out.end() ? end : end + 1;
		}
		return out.c_str();
	} catch (...) {
		return nullptr;
	}
}

const char *cpp_name(void *self)
{
	(void)self;
	++calls_on_this_thread;
	return "cpp";
}

[[gnu::noinline]] int deep(int n)
{
	if (n == 0)
		throw std::runtime_error("bottom");
	return deep(n - 1) + 1;
}

int32_t cpp_selftest(void *self)
{
	(void)self;
	++calls_on_this_thread;
	int32_t caught = 0;
	try {
		(void)std::stoi("not a number");
	} catch (const std::invalid_argument &) {
		caught++;
	} catch (...) {
	}
	try {
		(void)deep(8);
	} catch (const std::runtime_error &e) {
		if (std::string(e.what()) == "bottom")
			caught++;
	} catch (...) {
	}
	return caught;
}

int32_t cpp_calls(void *self)
{
	(void)self;
	return ++calls_on_this_thread;
}

const signet_method cpp_methods[] = {
	SIGNET_METHOD("filter", "**", cpp_filter),
	SIGNET_METHOD("name", "*", cpp_name),
	SIGNET_METHOD("selftest", "i", cpp_selftest),
	SIGNET_METHOD("calls", "i", cpp_calls),
};
const signet_protocol_ref cpp_protocols[] = { { "Filter", 1 } };

} // namespace

SIGNET_CLASS(CppFilter, State, cpp_init, cpp_fini, cpp_protocols, cpp_methods);
