/** GraphiQL's options: its title, and the operations it opens with (the whole journey of a new user, one tab each). */
export const GRAPHIQL_TABS = [
  {
    query: `# Welcome! One GraphQL API in front of a LoRA
# fine-tuning service. Run this (the ▶ button), then
# follow the tabs: dataset, estimate and job, the
# job list, and live updates. The Docs panel (top
# left) describes every type and field. To watch
# jobs train as loss curves: /dashboard
query BaseModels {
  baseModels {
    id
    name
    organization
    contextLength
    supportedBatchSizes
  }
}
`,
  },
  {
    query: `# Uploading a CSV needs a multipart request, which GraphiQL cannot send.
# In a browser: the dashboard's new-job page (/dashboard#/new) uploads
# it; "Estimate the cost" there creates the dataset, and the Datasets
# page (/dashboard#/datasets) shows its id for the next tabs. With curl:
#
# curl http://localhost:4000/graphql \\
#   -F operations='{"query":"mutation($file: Upload!) { uploadFile(file: $file) { id name columns { name sampleValues } } }","variables":{"file":null}}' \\
#   -F map='{"0":["variables.file"]}' \\
#   -F 0=@examples/support-faq.csv
#
# Then create a dataset from the file id:
mutation CreateDataset($fileId: ID!) {
  createDataset(input: { name: "support answers", trainingFileId: $fileId }) {
    id
    name
    trainingFile { name columns { name type sampleValues } }
  }
}
`,
    variables: '{ "fileId": "paste the id from uploadFile" }',
  },
  {
    query: `query Estimate($datasetId: ID!) {
  costEstimate(input: {
    name: "first try"
    baseModelId: "a1b2c3d4-e5f6-7890-abcd-ef1234567890"
    dataset: { id: $datasetId, promptColumn: "question", answerColumn: "answer" }
    hyperparameters: { nEpochs: 2, batchSize: 8 }
  }) { tokens cost currency minimumApplied }
}

mutation CreateJob($datasetId: ID!) {
  createJob(input: {
    name: "first try"
    baseModelId: "a1b2c3d4-e5f6-7890-abcd-ef1234567890"
    dataset: { id: $datasetId, promptColumn: "question", answerColumn: "answer" }
    hyperparameters: { nEpochs: 2, batchSize: 8, lora: { r: 16, alpha: 16 } }
  }) { id status baseModel { name } }
}
`,
    variables: '{ "datasetId": "paste the id from createDataset" }',
  },
  {
    query: `query Jobs {
  jobs(first: 20) {
    totalCount
    edges {
      node {
        id name status createdAt
        baseModel { name }
        dataset { name }
        metrics { latest { step trainingLoss } bestValidationLoss }
        downloadUrl
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
`,
  },
  {
    query: `# Pushed over WebSocket as the job changes; ends after its final status.
subscription Watch($jobId: ID!) {
  jobUpdated(id: $jobId) {
    id status startedAt completedAt
    metrics { latest { step trainingLoss validationLoss } }
    error { code message }
  }
}
`,
    variables: '{ "jobId": "paste the id from createJob" }',
  },
];

/** GraphiQL's page, rendered once by useGraphiQLPage. */
export const GRAPHIQL = {
  title: 'Fine-tuning gateway',
  subscriptionsProtocol: 'WS',
  defaultTabs: GRAPHIQL_TABS,
  defaultQuery: GRAPHIQL_TABS[0]!.query,
} as const;
