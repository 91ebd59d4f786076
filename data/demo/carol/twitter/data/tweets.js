window.YTD.tweets.part0 = [
  {
    "tweet" : {
      "edit_info" : {
        "initial" : {
          "editTweetIds" : [
            "2123486551471030273"
          ],
          "editableUntil" : "2026-11-19T19:40:21.000Z",
          "editsRemaining" : "5",
          "isEditEligible" : true
        }
      },
      "retweeted" : false,
      "source" : "<a href=\"http://twitter.com/download/iphone\" rel=\"nofollow\">Twitter for iPhone</a>",
      "entities" : {
        "hashtags" : [],
        "symbols" : [],
        "user_mentions" : [],
        "urls" : []
      },
      "display_text_range" : [
        "0",
        "65"
      ],
      "favorite_count" : "15",
      "id_str" : "2123486551471030273",
      "truncated" : false,
      "retweet_count" : "0",
      "id" : "2123486551471030273",
      "created_at" : "Thu Nov 19 18:40:21 +0000 2026",
      "favorited" : false,
      "full_text" : "Navidad en Valencia con la familia este año. Ya huele a buñuelos.",
      "lang" : "es"
    }
  },
  {
    "tweet" : {
      "edit_info" : {
        "initial" : {
          "editTweetIds" : [
            "2121575320384438273"
          ],
          "editableUntil" : "2026-11-14T13:05:48.000Z",
          "editsRemaining" : "5",
          "isEditEligible" : true
        }
      },
      "retweeted" : false,
      "source" : "<a href=\"http://twitter.com/download/iphone\" rel=\"nofollow\">Twitter for iPhone</a>",
      "entities" : {
        "hashtags" : [
          {
            "text" : "TeamLisbon",
            "indices" : [
              "40",
              "51"
            ]
          }
        ],
        "symbols" : [],
        "user_mentions" : [
          {
            "name" : "Bob Stone",
            "screen_name" : "bob_stone",
            "indices" : [
              "99",
              "109"
            ],
            "id_str" : "2398765432",
            "id" : "2398765432"
          }
        ],
        "urls" : []
      },
      "display_text_range" : [
        "0",
        "170"
      ],
      "favorite_count" : "8",
      "id_str" : "2121575320384438273",
      "truncated" : false,
      "retweet_count" : "0",
      "id" : "2121575320384438273",
      "created_at" : "Sat Nov 14 12:05:48 +0000 2026",
      "favorited" : false,
      "full_text" : "Team trip debate is Dolomites vs Lisbon #TeamLisbon. I can't stand the cold, so guess my vote. But @bob_stone found huts with private rooms, so: sweaters &amp; thermal socks?",
      "lang" : "en"
    }
  },
  {
    "tweet" : {
      "edit_info" : {
        "initial" : {
          "editTweetIds" : [
            "2119374380331958273"
          ],
          "editableUntil" : "2026-11-08T11:20:03.000Z",
          "editsRemaining" : "5",
          "isEditEligible" : true
        }
      },
      "retweeted" : false,
      "source" : "<a href=\"http://twitter.com/download/iphone\" rel=\"nofollow\">Twitter for iPhone</a>",
      "entities" : {
        "hashtags" : [
          {
            "text" : "cello",
            "indices" : [
              "126",
              "132"
            ]
          },
          {
            "text" : "Berlin",
            "indices" : [
              "133",
              "140"
            ]
          }
        ],
        "symbols" : [],
        "user_mentions" : [
          {
            "name" : "Bob Stone",
            "screen_name" : "bob_stone",
            "indices" : [
              "94",
              "104"
            ],
            "id_str" : "2398765432",
            "id" : "2398765432"
          }
        ],
        "urls" : []
      },
      "display_text_range" : [
        "0",
        "140"
      ],
      "favorite_count" : "19",
      "id_str" : "2119374380331958273",
      "truncated" : false,
      "retweet_count" : "3",
      "id" : "2119374380331958273",
      "created_at" : "Sun Nov 08 10:20:03 +0000 2026",
      "favorited" : false,
      "full_text" : "Advent concert: Sunday 6 December, 5 pm, Zionskirche Berlin. I'm on the second cello desk and @bob_stone has promised to come #cello #Berlin",
      "lang" : "en"
    }
  },
  {
    "tweet" : {
      "edit_info" : {
        "initial" : {
          "editTweetIds" : [
            "2117712290902966273"
          ],
          "editableUntil" : "2026-11-03T21:15:30.000Z",
          "editsRemaining" : "5",
          "isEditEligible" : true
        }
      },
      "retweeted" : false,
      "source" : "<a href=\"http://twitter.com/download/iphone\" rel=\"nofollow\">Twitter for iPhone</a>",
      "entities" : {
        "hashtags" : [],
        "symbols" : [],
        "user_mentions" : [],
        "urls" : [
          {
            "url" : "https://t.co/Xk3pQ9rTzL",
            "expanded_url" : "https://portodata.example.org/2026/talks/what-makes-a-first-message-work",
            "display_url" : "portodata.example.org/2026/talks/wha…",
            "indices" : [
              "124",
              "147"
            ]
          }
        ]
      },
      "display_text_range" : [
        "0",
        "147"
      ],
      "favorite_count" : "27",
      "id_str" : "2117712290902966273",
      "truncated" : false,
      "retweet_count" : "4",
      "id" : "2117712290902966273",
      "created_at" : "Tue Nov 03 20:15:30 +0000 2026",
      "favorited" : false,
      "full_text" : "Vou falar no Porto em dezembro sobre o que faz uma primeira mensagem funcionar. Finalmente posso falar português outra vez! https://t.co/Xk3pQ9rTzL",
      "lang" : "pt",
      "possibly_sensitive" : false
    }
  },
  {
    "tweet" : {
      "edit_info" : {
        "initial" : {
          "editTweetIds" : [
            "2116450581345206273"
          ],
          "editableUntil" : "2026-10-31T09:41:55.000Z",
          "editsRemaining" : "5",
          "isEditEligible" : false
        }
      },
      "retweeted" : false,
      "source" : "<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">Twitter Web App</a>",
      "entities" : {
        "hashtags" : [],
        "symbols" : [],
        "user_mentions" : [
          {
            "name" : "Bob Stone",
            "screen_name" : "bob_stone",
            "indices" : [
              "3",
              "13"
            ],
            "id_str" : "2398765432",
            "id" : "2398765432"
          }
        ],
        "urls" : []
      },
      "display_text_range" : [
        "0",
        "131"
      ],
      "favorite_count" : "0",
      "id_str" : "2116450581345206273",
      "truncated" : false,
      "retweet_count" : "14",
      "id" : "2116450581345206273",
      "created_at" : "Sat Oct 31 08:41:55 +0000 2026",
      "favorited" : false,
      "full_text" : "RT @bob_stone: Rewrote the hot path of our profile service in Rust. p99 went from 180ms to 40ms. Postgres was never the bottleneck.",
      "lang" : "en"
    }
  },
  {
    "tweet" : {
      "edit_info" : {
        "initial" : {
          "editTweetIds" : [
            "2109652860269494273"
          ],
          "editableUntil" : "2026-10-12T15:30:12.000Z",
          "editsRemaining" : "5",
          "isEditEligible" : true
        }
      },
      "retweeted" : false,
      "source" : "<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">Twitter Web App</a>",
      "entities" : {
        "hashtags" : [
          {
            "text" : "ABtesting",
            "indices" : [
              "156",
              "166"
            ]
          },
          {
            "text" : "datascience",
            "indices" : [
              "167",
              "179"
            ]
          }
        ],
        "symbols" : [],
        "user_mentions" : [],
        "urls" : []
      },
      "display_text_range" : [
        "0",
        "179"
      ],
      "favorite_count" : "45",
      "id_str" : "2109652860269494273",
      "truncated" : false,
      "retweet_count" : "9",
      "id" : "2109652860269494273",
      "created_at" : "Mon Oct 12 14:30:12 +0000 2026",
      "favorited" : false,
      "full_text" : "Ran a small A/B test on dating profile prompts: more replies, fewer dead-end matches. Turns out people talk more when you give them something to talk about #ABtesting #datascience",
      "lang" : "en"
    }
  },
  {
    "tweet" : {
      "edit_info" : {
        "initial" : {
          "editTweetIds" : [
            "2106449481561014273"
          ],
          "editableUntil" : "2026-10-03T19:21:07.000Z",
          "editsRemaining" : "5",
          "isEditEligible" : true
        }
      },
      "retweeted" : false,
      "source" : "<a href=\"http://twitter.com/download/iphone\" rel=\"nofollow\">Twitter for iPhone</a>",
      "entities" : {
        "hashtags" : [],
        "symbols" : [],
        "user_mentions" : [
          {
            "name" : "Alice Martin",
            "screen_name" : "alice_m",
            "indices" : [
              "0",
              "8"
            ],
            "id_str" : "3012345678",
            "id" : "3012345678"
          }
        ],
        "urls" : []
      },
      "display_text_range" : [
        "9",
        "87"
      ],
      "favorite_count" : "3",
      "id_str" : "2106449481561014273",
      "truncated" : false,
      "retweet_count" : "0",
      "id" : "2106449481561014273",
      "in_reply_to_status_id_str" : "2106443831833538561",
      "in_reply_to_status_id" : "2106443831833538561",
      "in_reply_to_user_id" : "3012345678",
      "in_reply_to_user_id_str" : "3012345678",
      "in_reply_to_screen_name" : "alice_m",
      "created_at" : "Sat Oct 03 18:21:07 +0000 2026",
      "favorited" : false,
      "full_text" : "@alice_m That crumb! I'm good at eating bread, not baking it. Save me a slice next time",
      "lang" : "en"
    }
  },
  {
    "tweet" : {
      "edit_info" : {
        "initial" : {
          "editTweetIds" : [
            "2101628116530102273"
          ],
          "editableUntil" : "2026-09-20T12:02:44.000Z",
          "editsRemaining" : "5",
          "isEditEligible" : true
        }
      },
      "retweeted" : false,
      "source" : "<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">Twitter Web App</a>",
      "entities" : {
        "hashtags" : [
          {
            "text" : "vegetarian",
            "indices" : [
              "0",
              "11"
            ]
          }
        ],
        "symbols" : [],
        "user_mentions" : [],
        "urls" : []
      },
      "display_text_range" : [
        "0",
        "98"
      ],
      "favorite_count" : "31",
      "id_str" : "2101628116530102273",
      "truncated" : false,
      "retweet_count" : "2",
      "id" : "2101628116530102273",
      "created_at" : "Sun Sep 20 11:02:44 +0000 2026",
      "favorited" : false,
      "full_text" : "#vegetarian for ten years now and people still ask where I get my protein. Lentils &amp; stubbornness.",
      "lang" : "en"
    }
  },
  {
    "tweet" : {
      "edit_info" : {
        "initial" : {
          "editTweetIds" : [
            "2097788906501046273"
          ],
          "editableUntil" : "2026-09-09T21:47:05.000Z",
          "editsRemaining" : "5",
          "isEditEligible" : true
        }
      },
      "retweeted" : false,
      "source" : "<a href=\"http://twitter.com/download/iphone\" rel=\"nofollow\">Twitter for iPhone</a>",
      "entities" : {
        "hashtags" : [
          {
            "text" : "cello",
            "indices" : [
              "144",
              "150"
            ]
          }
        ],
        "symbols" : [],
        "user_mentions" : [],
        "urls" : []
      },
      "display_text_range" : [
        "0",
        "150"
      ],
      "favorite_count" : "12",
      "id_str" : "2097788906501046273",
      "truncated" : false,
      "retweet_count" : "0",
      "id" : "2097788906501046273",
      "created_at" : "Wed Sep 09 20:47:05 +0000 2026",
      "favorited" : false,
      "full_text" : "Back to Wednesday night rehearsals with the community orchestra. We're doing the Saint-Saëns for the Advent concert and my fingers already hurt #cello",
      "lang" : "en"
    }
  }
]
