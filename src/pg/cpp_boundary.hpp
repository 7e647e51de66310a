// The one place where C++ meets PostgreSQL's error handling.
//
// PostgreSQL reports errors with longjmp; C++ with exceptions. Neither may
// cross the other: a longjmp through a C++ frame skips its destructors, and
// an exception through a PostgreSQL frame is undefined behaviour. The rules:
//  - Code in src/pg/ is written like C: palloc'd memory and PostgreSQL
//    structures, no object with a destructor alive across a call that can
//    ereport.
//  - Every call from there into C++ code that may throw (everything under
//    src/core/) goes through call_cpp(), which turns an exception into
//    ereport(ERROR) only after the C++ frames are gone.
//  - C++ objects that must outlive one call are owned by a memory context
//    (owned_by_context) so that an aborted transaction still destroys them.
#pragma once

extern "C" {
#include "postgres.h"
#include "utils/memutils.h"
}

#include <exception>
#include <new>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

namespace pgledger::pg {

// LedgerError is thrown by C++ code that has a precise SQLSTATE to report.
struct LedgerError : std::runtime_error {
    LedgerError(int sqlstate_code, const std::string& message, std::string hint_text = {})
        : std::runtime_error(message), sqlstate(sqlstate_code), hint(std::move(hint_text)) {}
    int sqlstate;
    std::string hint;
};

struct ReportedError {
    int sqlstate;
    char message[1024];
    char hint[512];
};

// capture_exception copies what was thrown into plain buffers, calling
// nothing that could longjmp while the exception is being handled, so the
// exception object is gone before ereport runs.
ReportedError capture_exception(std::exception_ptr thrown);
[[noreturn]] void report(const ReportedError& error);

template <typename Function>
auto call_cpp(Function&& function) -> decltype(function()) {
    using Result = decltype(function());
    bool failed = false;
    ReportedError error;  // filled only when something was thrown
    if constexpr (std::is_void_v<Result>) {
        try {
            function();
        } catch (...) {
            failed = true;
            error = capture_exception(std::current_exception());
        }
        if (failed) {
            report(error);
        }
    } else {
        Result result{};
        try {
            result = function();
        } catch (...) {
            failed = true;
            error = capture_exception(std::current_exception());
        }
        if (failed) {
            report(error);
        }
        return result;
    }
}

// owned_by_context creates a T whose lifetime ends with the memory context,
// including when the context is reset by an aborting transaction.
template <typename T, typename... Args>
T* owned_by_context(MemoryContext context, Args&&... args) {
    T* object = call_cpp([&] { return new T(std::forward<Args>(args)...); });
    auto* callback =
        static_cast<MemoryContextCallback*>(MemoryContextAlloc(context, sizeof(MemoryContextCallback)));
    callback->func = [](void* arg) { delete static_cast<T*>(arg); };
    callback->arg = object;
    MemoryContextRegisterResetCallback(context, callback);
    return object;
}

}  // namespace pgledger::pg
