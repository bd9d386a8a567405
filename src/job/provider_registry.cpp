// SPDX-License-Identifier: LGPL-2.1-or-later
#include "job/provider_flow.h"

namespace idf {

namespace {

// Indexed by Provider: the static_asserts keep rows and enum in step.
constexpr ProviderInfo kProviders[] = {
    {Provider::Kling, "kling", kKlingDefaultUrl, true, make_kling_flow},
    {Provider::Kirin, "kirin", kKirinDefaultUrl, true, make_kirin_flow},
    {Provider::Local, "local", "", false, make_local_flow},
};
static_assert(kProviders[(int)Provider::Kling].id == Provider::Kling);
static_assert(kProviders[(int)Provider::Kirin].id == Provider::Kirin);
static_assert(kProviders[(int)Provider::Local].id == Provider::Local);
static_assert(sizeof kProviders / sizeof kProviders[0] == (size_t)Provider::Local + 1);

}  // namespace

const ProviderInfo &provider_info(Provider provider) {
  return kProviders[(int)provider];
}

}  // namespace idf
