// Precompiled for every engine translation unit: the narrow torch headers the engine uses.
#pragma once
#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/pooling.h>
#include <torch/nn/functional/loss.h>
#include <torch/nn/functional/activation.h>
#include <torch/nn/init.h>
#include <torch/serialize.h>
#include <torch/utils.h>
