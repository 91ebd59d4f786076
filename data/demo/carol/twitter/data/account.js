window.YTD.account.part0 = [
  {
    "account" : {
      "email" : "carol@example.com",
      "createdVia" : "web",
      "username" : "carol_diaz",
      "accountId" : "2381234567",
      "createdAt" : "2014-03-11T19:22:05.000Z",
      "accountDisplayName" : "Carol Diaz"
    }
  }
]
