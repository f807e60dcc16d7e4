#include "bulkqa/qa/ground_truth.hpp"

#include <unordered_set>

#include "bulkqa/util/json_fields.hpp"
#include "bulkqa/util/text.hpp"

namespace bulkqa {

namespace {

Result<std::optional<S3Uri>> optional_s3_uri(const JsonObjectReader& object, std::string_view key) {
  Result<std::optional<std::string>> text = object.optional_string(key);
  if (!text) return text.error();
  if (!*text) return std::optional<S3Uri>{};
  Result<S3Uri> uri = parse_s3_uri(**text);
  if (!uri) return object.error(key, uri.error().message);
  return std::optional<S3Uri>{std::move(uri).value()};
}

Result<S3Uri> required_s3_uri(const JsonObjectReader& object, std::string_view key) {
  Result<std::optional<S3Uri>> uri = optional_s3_uri(object, key);
  if (!uri) return uri.error();
  if (!*uri) return object.error(key, "missing");
  return std::move(**uri);
}

Result<std::string> read_dataset_object_id(const JsonObjectReader& object) {
  constexpr std::string_view kKey = "datasetObjectId";
  const nlohmann::json* id = object.find(kKey);
  if (id == nullptr) return object.error(kKey, "missing");
  if (id->is_number()) return id->dump();
  return object.required_string(kKey);
}

Result<Annotation> read_annotation(const nlohmann::json& element, std::string path) {
  Result<JsonObjectReader> object =
      JsonObjectReader::open(element, std::move(path), errc::kInvalidPayload);
  if (!object) return object.error();
  Result<std::string> worker_id = object->required_string("workerId");
  if (!worker_id) return worker_id.error();
  Result<JsonObjectReader> data = object->required_object("annotationData");
  if (!data) return data.error();
  Result<std::optional<std::string>> content = data->optional_string("content");
  if (!content) return content.error();
  Result<std::optional<S3Uri>> content_uri = optional_s3_uri(*data, "s3Uri");
  if (!content_uri) return content_uri.error();
  if (!*content && !*content_uri) {
    return make_error(errc::kInvalidPayload, data->path() + ": has neither 'content' nor 's3Uri'");
  }
  return Annotation{std::move(worker_id).value(), std::move(content).value(),
                    std::move(content_uri).value()};
}

Result<std::vector<Annotation>> read_annotations(const JsonObjectReader& object) {
  constexpr std::string_view kKey = "annotations";
  const nlohmann::json* list = object.find(kKey);
  if (list == nullptr) return object.error(kKey, "missing");
  if (!list->is_array()) return object.type_error(kKey, "an array", *list);
  std::vector<Annotation> annotations;
  for (std::size_t index = 0; index < list->size(); ++index) {
    Result<Annotation> annotation =
        read_annotation((*list)[index], element_path(member_path(object.path(), kKey), index));
    if (!annotation) return annotation.error();
    annotations.push_back(std::move(annotation).value());
  }
  return annotations;
}

Result<DatasetObject> read_dataset_object(const nlohmann::json& element, std::size_t index) {
  Result<JsonObjectReader> object =
      JsonObjectReader::open(element, element_path("", index), errc::kInvalidPayload);
  if (!object) return object.error();
  Result<std::string> id = read_dataset_object_id(*object);
  if (!id) return id.error();
  Result<JsonObjectReader> data = object->required_object("dataObject");
  if (!data) return data.error();
  Result<std::optional<S3Uri>> uri = optional_s3_uri(*data, "s3Uri");
  if (!uri) return uri.error();
  Result<std::optional<std::string>> content = data->optional_string("content");
  if (!content) return content.error();
  if (!*uri && !*content) {
    return make_error(errc::kInvalidPayload, data->path() + ": has neither 's3Uri' nor 'content'");
  }
  Result<std::vector<Annotation>> annotations = read_annotations(*object);
  if (!annotations) return annotations.error();
  return DatasetObject{std::move(id).value(), std::move(uri).value(), std::move(content).value(),
                       std::move(annotations).value()};
}

Error annotation_error(std::string_view key, const std::string& problem) {
  return make_error(errc::kInvalidAnnotation, "key " + quote_value(key) + ": " + problem);
}

// The name the worker template gives image `index`'s checkbox.
std::string checkbox_name(const std::vector<BatchItem>& batch, std::size_t index) {
  return batch[index].label + "-" + std::to_string(index);
}

// The image whose checkbox is named `name`: exactly "<label of image N>-N", as the template writes
// it, so that no other spelling ("Crab-01", "Crab--1", another label's "Lobster-1") counts.
Result<std::size_t> image_index_of(std::string_view name, const std::vector<BatchItem>& batch) {
  const std::size_t dash = name.rfind('-');
  const std::optional<std::uint64_t> index =
      dash == std::string_view::npos ? std::nullopt : parse_unsigned(name.substr(dash + 1));
  if (!index) return annotation_error(name, "the name does not end in -<image index>");
  if (*index >= batch.size()) {
    return annotation_error(name, "image index " + std::to_string(*index) +
                                      " is outside the batch of " + std::to_string(batch.size()) +
                                      " images");
  }
  const std::string expected = checkbox_name(batch, *index);
  if (name != expected) {
    return annotation_error(name, "not a checkbox of this batch: image " + std::to_string(*index) +
                                      "'s is " + quote_value(expected));
  }
  return static_cast<std::size_t>(*index);
}

// The object of checkbox answers: the content itself, or the one object of an array, the shape
// the documentation of crowd-form shows for its output.
Result<const nlohmann::json*> answer_object(const nlohmann::json& content) {
  const nlohmann::json* answer = &content;
  if (content.is_array() && content.size() == 1) answer = &content.front();
  if (answer->is_object()) return answer;
  const std::string found =
      content.is_array() ? "an array of " + std::to_string(content.size()) + " " +
                               (content.size() == 1 ? std::string(answer->type_name()) : "values")
                         : std::string(content.type_name());
  return make_error(
      errc::kInvalidAnnotation,
      "annotation content: expected an object, or an array of one object, found " + found);
}

Result<bool> read_confirmed(std::string_view key, const nlohmann::json& value) {
  if (!value.is_object()) {
    return annotation_error(key, std::string("expected an object, found ") + value.type_name());
  }
  const auto confirmed = value.find("Confirmed");
  if (confirmed == value.end()) return annotation_error(key, "'Confirmed' is missing");
  if (!confirmed->is_boolean()) {
    return annotation_error(
        key, std::string("'Confirmed': expected a boolean, found ") + confirmed->type_name());
  }
  return confirmed->get<bool>();
}

}  // namespace

Result<PreLabelingEvent> parse_pre_labeling_event(const nlohmann::json& event) {
  Result<JsonObjectReader> object = JsonObjectReader::open(event, "", errc::kInvalidEvent);
  if (!object) return object.error();
  Result<std::string> arn = object->required_string("labelingJobArn");
  if (!arn) return arn.error();
  Result<JsonObjectReader> data = object->required_object("dataObject");
  if (!data) return data.error();
  Result<std::optional<S3Uri>> source_ref = optional_s3_uri(*data, "source-ref");
  if (!source_ref) return source_ref.error();
  Result<std::optional<std::string>> source = data->optional_string("source");
  if (!source) return source.error();
  if (source_ref->has_value() == source->has_value()) {
    return make_error(errc::kInvalidEvent,
                      "dataObject: expected exactly one of 'source-ref' and 'source'");
  }
  return PreLabelingEvent{std::move(arn).value(), std::move(source_ref).value(),
                          std::move(source).value()};
}

nlohmann::json pre_labeling_response(const std::vector<BatchItem>& items) {
  nlohmann::json task_input = nlohmann::json::object();
  task_input["sourceRef"] = batch_to_json(items);
  nlohmann::json response = nlohmann::json::object();
  response["taskInput"] = std::move(task_input);
  // Ground Truth expects the string "true" here, not a JSON boolean.
  response["isHumanAnnotationRequired"] = "true";
  return response;
}

Result<PostLabelingEvent> parse_post_labeling_event(const nlohmann::json& event) {
  Result<JsonObjectReader> object = JsonObjectReader::open(event, "", errc::kInvalidEvent);
  if (!object) return object.error();
  Result<std::string> arn = object->required_string("labelingJobArn");
  if (!arn) return arn.error();
  Result<std::string> attribute = object->required_string("labelAttributeName");
  if (!attribute) return attribute.error();
  Result<std::string> role = object->required_string("roleArn");
  if (!role) return role.error();
  Result<JsonObjectReader> payload = object->required_object("payload");
  if (!payload) return payload.error();
  Result<S3Uri> payload_uri = required_s3_uri(*payload, "s3Uri");
  if (!payload_uri) return payload_uri.error();
  return PostLabelingEvent{std::move(arn).value(), std::move(attribute).value(),
                           std::move(role).value(), std::move(payload_uri).value()};
}

Result<std::vector<DatasetObject>> parse_consolidation_payload(std::string_view json_text) {
  const Result<nlohmann::json> parsed =
      parse_json(json_text, "consolidation payload", errc::kInvalidPayload);
  if (!parsed) return parsed.error();
  const nlohmann::json& document = *parsed;
  if (!document.is_array()) {
    return make_error(
        errc::kInvalidPayload,
        std::string("consolidation payload: expected an array, found ") + document.type_name());
  }
  std::vector<DatasetObject> objects;
  objects.reserve(document.size());
  for (std::size_t index = 0; index < document.size(); ++index) {
    Result<DatasetObject> object = read_dataset_object(document[index], index);
    if (!object) return object.error();
    objects.push_back(std::move(object).value());
  }
  return objects;
}

nlohmann::json consolidation_payload_json(const std::vector<DatasetObject>& objects) {
  nlohmann::json payload = nlohmann::json::array();
  for (const DatasetObject& object : objects) {
    nlohmann::json data_object = nlohmann::json::object();
    if (object.data_object_uri) data_object["s3Uri"] = object.data_object_uri->str();
    if (object.data_object_content) data_object["content"] = *object.data_object_content;
    nlohmann::json annotations = nlohmann::json::array();
    for (const Annotation& annotation : object.annotations) {
      nlohmann::json data = nlohmann::json::object();
      if (annotation.content) data["content"] = *annotation.content;
      if (annotation.content_uri) data["s3Uri"] = annotation.content_uri->str();
      annotations.push_back({{"workerId", annotation.worker_id}, {"annotationData", data}});
    }
    payload.push_back({{"datasetObjectId", object.dataset_object_id},
                       {"dataObject", std::move(data_object)},
                       {"annotations", std::move(annotations)}});
  }
  return payload;
}

ConsolidationReads consolidation_reads(const std::vector<DatasetObject>& objects) {
  ConsolidationReads reads;
  std::unordered_set<std::string> batches_taken, answers_taken;  // by S3Uri::str()
  auto add_once = [](std::vector<S3Uri>& uris, std::unordered_set<std::string>& taken,
                     const S3Uri& uri) {
    if (taken.insert(uri.str()).second) uris.push_back(uri);
  };
  for (const DatasetObject& object : objects) {
    if (object.data_object_uri && !object.data_object_content) {
      add_once(reads.batches, batches_taken, *object.data_object_uri);
    }
    for (const Annotation& annotation : object.annotations) {
      if (annotation.content_uri && !annotation.content) {
        add_once(reads.answers, answers_taken, *annotation.content_uri);
      }
    }
  }
  return reads;
}

Result<std::vector<Vote>> parse_votes(std::string_view annotation_content,
                                      const std::vector<BatchItem>& batch) {
  const Result<nlohmann::json> content =
      parse_json(annotation_content, "annotation content", errc::kInvalidAnnotation);
  if (!content) return content.error();
  Result<const nlohmann::json*> answer = answer_object(*content);
  if (!answer) return answer.error();
  std::vector<std::optional<bool>> confirmed(batch.size());
  for (auto member = (*answer)->begin(); member != (*answer)->end(); ++member) {
    // Names map one to one to images, so no image can be given twice.
    Result<std::size_t> index = image_index_of(member.key(), batch);
    if (!index) return index.error();
    Result<bool> value = read_confirmed(member.key(), member.value());
    if (!value) return value.error();
    confirmed[*index] = *value;
  }
  std::vector<Vote> votes;
  votes.reserve(batch.size());
  for (std::size_t index = 0; index < batch.size(); ++index) {
    if (!confirmed[index]) {
      return make_error(errc::kIncompleteAnswer,
                        "no checkbox " + quote_value(checkbox_name(batch, index)) + " for image " +
                            std::to_string(index) + ": the answer covers " +
                            std::to_string((*answer)->size()) + " of the batch's " +
                            std::to_string(batch.size()) + " images");
    }
    votes.push_back({index, *confirmed[index]});
  }
  return votes;
}

std::string annotation_content(const std::vector<BatchItem>& batch,
                               const std::vector<Vote>& votes) {
  nlohmann::json answer = nlohmann::json::object();
  for (const Vote& vote : votes) {
    answer[batch.at(vote.image_index).label + "-" + std::to_string(vote.image_index)] = {
        {"Confirmed", vote.confirmed}};
  }
  return answer.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace bulkqa
